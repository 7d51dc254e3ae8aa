/* bencode: a reader of BitTorrent's bencoding (BEP 3) on the bounds-checked cursor — integers, byte strings,
 * lists, dictionaries — with caps on depth, element count and integer size, for tracker answers, KRPC (DHT),
 * the extension protocol and .torrent metadata. */
#ifndef BENCODE_H
#define BENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/tr_buf.h"

enum benc_type { BENC_NONE = 0, BENC_INT, BENC_STR, BENC_LIST, BENC_DICT };

enum benc_status {
    BENC_OK = 0,
    BENC_TRUNCATED = 1, /* the bytes end inside the value */
    BENC_MALFORMED = 2, /* not bencoding: a bad integer (leading zero, -0, no digits), a dictionary key that is not a
                           string, a length that does not fit, a stray byte */
    BENC_TOO_DEEP = 3,  /* nested past BENC_DEPTH_MAX */
    BENC_TOO_MANY = 4,  /* more than BENC_ITEMS_MAX elements in one value */
};

#define BENC_DEPTH_MAX 32
#define BENC_ITEMS_MAX 100000
#define BENC_INT_DIGITS_MAX 19 /* an integer fits 63 bits and its sign */

typedef struct benc_value {
    uint8_t type;                /* enum benc_type */
    int64_t i;                   /* BENC_INT */
    const uint8_t *s;            /* BENC_STR: the string; LIST, DICT: the contents between the markers */
    size_t n;
    const uint8_t *raw;          /* the whole encoding (a .torrent's info dictionary is hashed as sent) */
    size_t raw_n;
} benc_value;

/* Reads one whole value at the cursor (every nested element checked) and moves past it. enum benc_status; on
 * failure the cursor's error is set and *v is BENC_NONE. */
int benc_read(tr_buf *b, benc_value *v);

/* Walking a list or a dictionary read by benc_read (its elements are known to be well-formed). */
typedef struct benc_iter {
    tr_buf b;
    uint8_t dict;
} benc_iter;
void benc_iter_init(benc_iter *it, const benc_value *container);
/* The next element of a list: 1, or 0 at the end. */
int benc_list_next(benc_iter *it, benc_value *v);
/* The next key and value of a dictionary: 1, or 0 at the end. */
int benc_dict_next(benc_iter *it, benc_value *key, benc_value *v);
/* The value of `key` in a dictionary: 1 when found. */
int benc_dict_get(const benc_value *dict, const char *key, benc_value *v);
/* Whether a string value is printable UTF-8 text (else show it as hex). */
int benc_str_is_text(const benc_value *v);

const char *benc_status_str(int status);

#endif
