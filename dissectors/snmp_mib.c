/* snmp_mib: the MIB names of snmp_mib.def as a tree of arcs, built once from the table's dotted OIDs (the table
 * stays readable data, sorted by OID); a lookup walks down an OID's arcs, each node's children in rising order. */
#include "snmp_mib.h"

#include <assert.h>
#include <pthread.h>
#include <string.h>

typedef struct mib_entry {
    const char *oid, *name, *index;
} mib_entry;

static const mib_entry mib_table[] = {
#define MIB(oid, name, index) {oid, name, index},
#include "snmp_mib.def"
#undef MIB
};
#define MIB_ENTRIES (sizeof mib_table / sizeof mib_table[0])
#define MIB_NODES_MAX 4096 /* the table's nodes and the unnamed ones between them (about 1400 now) */
#define MIB_DEPTH_MAX 32   /* deepest node in the table (about 16 now) */

/* A node: its arc under its parent, its first child and next sibling (index + 1; 0: none), its entry (index + 1;
 * 0: an arc with no descriptor of its own). */
typedef struct mib_node {
    uint32_t arc;
    uint16_t child, sibling, entry;
} mib_node;

static mib_node nodes[MIB_NODES_MAX]; /* nodes[0]: the root above the first arcs */
static size_t nnodes = 1;
static pthread_once_t built = PTHREAD_ONCE_INIT;

/* The child of `parent` with this arc, made (in arc order) when `make` is set; 0 when none. */
static size_t child_of(size_t parent, uint64_t arc, int make)
{
    uint16_t *link = &nodes[parent].child;
    while (*link && nodes[*link - 1].arc < arc)
        link = &nodes[*link - 1].sibling;
    if (*link && nodes[*link - 1].arc == arc)
        return *link - 1;
    if (!make || nnodes == MIB_NODES_MAX || arc > UINT32_MAX)
        return 0;
    size_t k = nnodes++;
    nodes[k].arc = (uint32_t)arc;
    nodes[k].sibling = *link;
    nodes[k].child = 0;
    nodes[k].entry = 0;
    *link = (uint16_t)(k + 1);
    return k;
}

static void build(void)
{
    for (size_t i = 0; i < MIB_ENTRIES; i++) {
        size_t at = 0;
        const char *p = mib_table[i].oid;
        while (*p) {
            uint64_t arc = 0;
            while (*p >= '0' && *p <= '9')
                arc = arc * 10 + (uint64_t)(*p++ - '0');
            if (*p == '.')
                p++;
            at = child_of(at, arc, 1);
            assert(at != 0); /* the table fits MIB_NODES_MAX */
        }
        nodes[at].entry = (uint16_t)(i + 1);
    }
}

size_t snmp_mib_size(void)
{
    pthread_once(&built, build);
    return nnodes;
}

/* The deepest named node along arcs: its entry, and in *depth how many arcs it covers; NULL when none. */
static const mib_entry *deepest(const uint64_t *arcs, size_t n, size_t *depth, size_t *parent_entry)
{
    pthread_once(&built, build);
    const mib_entry *found = NULL;
    size_t at = 0;
    *depth = 0;
    *parent_entry = 0;
    for (size_t i = 0; i < n && i < MIB_DEPTH_MAX; i++) {
        size_t prev = at;
        at = child_of(at, arcs[i], 0);
        if (!at)
            break;
        if (nodes[at].entry) {
            found = &mib_table[nodes[at].entry - 1];
            *depth = i + 1;
            *parent_entry = nodes[prev].entry;
        }
    }
    return found;
}

const char *snmp_mib_node_name(const uint64_t *arcs, size_t n)
{
    size_t depth, parent;
    const mib_entry *e = deepest(arcs, n, &depth, &parent);
    return e && depth == n ? e->name : NULL;
}

/* Appends text to out[*w..cap); 0 when it did not fit (out left as it was). */
static int put(char *out, size_t cap, size_t *w, const char *s, size_t n)
{
    if (n >= cap - *w)
        return 0;
    memcpy(out + *w, s, n);
    *w += n;
    out[*w] = '\0';
    return 1;
}

static int put_arc(char *out, size_t cap, size_t *w, uint64_t arc)
{
    char digits[20], tmp[22];
    size_t n = 0, k = 0;
    do { /* without printf: names are written arc by arc, several per packet */
        digits[n++] = (char)('0' + arc % 10);
        arc /= 10;
    } while (arc);
    tmp[k++] = '.';
    while (n)
        tmp[k++] = digits[--n];
    return put(out, cap, w, tmp, k);
}

/* A text index of `len` arcs at arcs[0..): "quoted" when every arc is a printable character that needs no escape
 * (net-snmp's rule for a DisplayString index); 0 when not, nothing written. */
static int put_text_index(char *out, size_t cap, size_t *w, const uint64_t *arcs, size_t len)
{
    char tmp[SNMP_MIB_NAME_MAX];
    if (len + 3 > sizeof tmp)
        return 0;
    size_t k = 0;
    tmp[k++] = '.';
    tmp[k++] = '"';
    for (size_t i = 0; i < len; i++) {
        if (arcs[i] < 0x20 || arcs[i] > 0x7e || arcs[i] == '"' || arcs[i] == '\\')
            return 0;
        tmp[k++] = (char)arcs[i];
    }
    tmp[k++] = '"';
    return put(out, cap, w, tmp, k);
}

size_t snmp_mib_name(const uint64_t *arcs, size_t n, char *out, size_t cap)
{
    if (!cap)
        return 0;
    out[0] = '\0';
    size_t depth, parent;
    const mib_entry *e = deepest(arcs, n, &depth, &parent);
    /* names start at internet (1.3.6.1): above it a name would only spell the numbers again */
    if (!e || (depth < 4 && !(depth == 2 && arcs[0] == 0 && arcs[1] == 0)))
        return 0;
    size_t w = 0;
    if (!put(out, cap, &w, e->name, strlen(e->name)))
        return 0;
    size_t i = depth;
    /* a column of a table row: its instance is the row's INDEX, written kind by kind */
    const char *index = parent ? mib_table[parent - 1].index : NULL;
    for (const char *k = index; k && *k && i < n; k++) {
        if (*k == 'i') {
            if (!put_arc(out, cap, &w, arcs[i]))
                return w;
            i++;
        } else if (*k == 'a' && n - i >= 4) {
            for (int j = 0; j < 4; j++)
                if (!put_arc(out, cap, &w, arcs[i++]))
                    return w;
        } else if (*k == 's' && arcs[i] <= n - i - 1 && put_text_index(out, cap, &w, arcs + i + 1, (size_t)arcs[i])) {
            i += 1 + (size_t)arcs[i];
        } else if (*k == 'S' && k[1] == '\0' && put_text_index(out, cap, &w, arcs + i, n - i)) {
            i = n;
        } else {
            break; /* another kind of index, or one that does not fit: the rest as numbers */
        }
    }
    for (; i < n; i++)
        if (!put_arc(out, cap, &w, arcs[i]))
            break;
    return w;
}
