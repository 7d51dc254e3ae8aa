/* snmp_mib: the names of MIB nodes (snmp_mib.def: MIB-2, IF-MIB, IP/TCP/UDP-MIB, HOST-RESOURCES-MIB, the SNMPv2 and
 * SNMPv3 framework modules, net-snmp's own), for OIDs written as net-snmp writes them: `sysDescr.0`, `ifDescr.2`. */
#ifndef SNMP_MIB_H
#define SNMP_MIB_H

#include <stddef.h>
#include <stdint.h>

#define SNMP_MIB_NAME_MAX 512 /* longest name written; a longer one is cut at an arc */

/* The name of the OID arcs[0..n): the deepest node the table knows, then the rest of the arcs — a table column's
 * instance written as its INDEX says (an integer or an address as numbers, a text index "quoted", as net-snmp
 * prints them). Only nodes at or under internet (1.3.6.1), and zeroDotZero, give names. Returns the name's length
 * (out NUL-terminated), 0 when no node names the OID (out ""). */
size_t snmp_mib_name(const uint64_t *arcs, size_t n, char *out, size_t cap);

/* The descriptor of exactly this node (a trap's OID: "linkDown"), NULL when the table has no node there. */
const char *snmp_mib_node_name(const uint64_t *arcs, size_t n);

/* How many nodes the table holds (for tests). */
size_t snmp_mib_size(void);

#endif
