/* options: trawl's command line (SCHEMA.md "Command line") parsed into one struct. */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "../output/redis_url.h"
#include "../reassembly/engine.h"

typedef struct trawl_options {
    const char *read_file;   /* -r */
    const char *iface;       /* -i */
    int list_ifaces;         /* -D */
    const char *filter;      /* -f */
    int json;                /* -T json */
    int time_style;          /* --time: enum tr_time_style */
    int format_given;        /* -T was given (with --export and without -T, stdout stays quiet) */
    const char *write_file;  /* -w */
    uint64_t count;          /* -c, 0 = no limit */
    const char *user;        /* -Z */
    int tui;
    const char *export_dir;
    uint64_t export_max;      /* --export-max bytes; 0: no limit */
    int export_max_given;     /* else 90% of the free space where the export goes */
    uint32_t inflate_max_ratio; /* --inflate-max-ratio; 0: never stop a compressed object */
    int raw;
    int force;                /* --force: export into a non-empty folder that is not an earlier export */
    int stats;
    int promisc;
    const char *output;      /* --output URL (redis:// or unix:), parsed into output_url */
    redis_url output_url;
    int output_retry;        /* --output-retry */
    uint64_t output_maxlen;  /* --output-maxlen N, 0: none */
    const char *sensor;      /* --sensor NAME, NULL: the host name */
    const char *read_redis;  /* --read-redis URL, parsed into read_url: trawl reads a stream instead */
    redis_url read_url;
    tr_engine_opts engine;
} trawl_options;

/* 0: run; 1: exit 0 now (help/version printed); 2: usage error (message printed). */
int options_parse(trawl_options *o, int argc, char **argv);
void options_usage(FILE *out);

#endif
