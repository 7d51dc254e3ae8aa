/* options: trawl's command line (SCHEMA.md "Command line") parsed into one struct. */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "../reassembly/engine.h"

typedef struct trawl_options {
    const char *read_file;   /* -r */
    const char *iface;       /* -i */
    int list_ifaces;         /* -D */
    const char *filter;      /* -f */
    int json;                /* -T json */
    int format_given;        /* -T was given (with --export and without -T, stdout stays quiet) */
    const char *write_file;  /* -w */
    uint64_t count;          /* -c, 0 = no limit */
    const char *user;        /* -Z */
    int tui;
    const char *export_dir;
    int raw;
    int stats;
    int promisc;
    tr_engine_opts engine;
} trawl_options;

/* 0: run; 1: exit 0 now (help/version printed); 2: usage error (message printed). */
int options_parse(trawl_options *o, int argc, char **argv);
void options_usage(FILE *out);

#endif
