/* fuzz_export: fuzz_pipeline with the export sink (transcripts, files, raw streams) writing into a temporary
 * folder; see fuzz_pipeline.c. */
#define FUZZ_EXPORT 1
#include "fuzz_pipeline.c"
