/* replay_main: a main for the fuzz targets when they are not built with libFuzzer (the normal sanitizer test
 * build), so ctest can run them: every file named on the command line is handed to LLVMFuzzerTestOneInput,
 * and every file under a directory named there (walked in name order, subdirectories too). A path that does
 * not exist is no input (a dissector without a seed or regression folder yet). Before the files it runs the
 * empty input and each of the 256 one-byte inputs, so a target without any files still runs.
 *
 * Each input is copied into a buffer of exactly its size, as libFuzzer does, so AddressSanitizer sees a read
 * past its end. A crash (sanitizer report, abort) ends the program; the last "replay:" line on stderr names
 * the input. Exit status: 0 when every input ran, 1 on an unreadable file or directory. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* optional, as with libFuzzer */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static unsigned long ran;
static int failed;

static void run_one(const uint8_t *p, size_t n)
{
    static uint8_t empty;
    uint8_t *copy = malloc(n);
    if (!copy && n == 0)
        copy = &empty;
    if (!copy) {
        perror("replay: malloc");
        exit(1);
    }
    if (n)
        memcpy(copy, p, n);
    LLVMFuzzerTestOneInput(copy, n);
    if (copy != &empty)
        free(copy);
    ran++;
}

static void run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        failed = 1;
        return;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        if (!buf) {
            perror("replay: malloc");
            exit(1);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        fprintf(stderr, "replay: %s: read error\n", path);
        failed = 1;
    } else {
        fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
        run_one(buf, n);
    }
    free(buf);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT) {
            fprintf(stderr, "replay: %s: none\n", path);
            return;
        }
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        failed = 1;
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        run_file(path);
        return;
    }
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        failed = 1;
        return;
    }
    char **names = NULL;
    size_t count = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') /* ., .., hidden files such as .gitkeep */
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof *names);
            if (!names) {
                perror("replay: malloc");
                exit(1);
            }
        }
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        names[count] = malloc(len);
        if (!names[count]) {
            perror("replay: malloc");
            exit(1);
        }
        snprintf(names[count], len, "%s/%s", path, e->d_name);
        count++;
    }
    closedir(d);
    if (count)
        qsort(names, count, sizeof *names, by_name);
    for (size_t i = 0; i < count; i++) {
        run_path(names[i]);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    fprintf(stderr, "replay: the empty input and the 256 one-byte inputs\n");
    run_one(NULL, 0);
    for (int b = 0; b < 256; b++) {
        uint8_t byte = (uint8_t)b;
        run_one(&byte, 1);
    }
    unsigned long builtin = ran;
    for (int i = 1; i < argc; i++)
        run_path(argv[i]);
    printf("replay: %lu inputs from files, %lu built in%s\n", ran - builtin, builtin, failed ? "; errors above" : "");
    return failed;
}
