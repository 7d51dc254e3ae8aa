#!/usr/bin/python3
"""Writes dissectors/snmp_mib.def, the MIB names trawl's SNMP dissector knows, from the MIB modules themselves.

usage: dissectors/snmp_mib_gen.py > dissectors/snmp_mib.def

Sources (a developer's tool; trawl never reads a MIB at run time):
  - the IETF modules as Debian's python3-pysnmp4 and python3-pysnmp4-mibs ship them, compiled from the RFCs'
    MIB text (RFC1213-MIB, SNMPv2-MIB RFC 3418, IF-MIB RFC 2863, IP-MIB RFC 4293, TCP-MIB RFC 4022, UDP-MIB
    RFC 4113, HOST-RESOURCES-MIB RFC 2790, SNMP-FRAMEWORK-MIB RFC 3411, SNMP-MPD-MIB RFC 3412,
    SNMP-USER-BASED-SM-MIB RFC 3414, and the other SNMPv3 modules of RFC 3413-3415, 3826, 7860): each object
    is one line `name = MibScalar((1, 3, 6, ...), ...)`, read here as text, not executed;
  - net-snmp's own modules as MIB text (/usr/share/snmp/mibs, Debian's libsnmp-base): NET-SNMP-MIB, NET-SNMP-TC,
    NET-SNMP-AGENT-MIB, NET-SNMP-EXTEND-MIB, NET-SNMP-PASS-MIB, NET-SNMP-EXAMPLES-MIB, NET-SNMP-VACM-MIB,
    UCD-SNMP-MIB, UCD-DISKIO-MIB: `name OBJECT-TYPE ... ::= { parent n }`.

Each line of the output is MIB(oid, name, index): a node's numeric OID, its descriptor, and for a table's
conceptual row the kinds of its INDEX objects as net-snmp prints them after a column's name: `i` one arc (an
integer), `a` four (an IpAddress), `s` a length-prefixed text string and `S` an IMPLIED one (printed "quoted"),
`x` anything else (from there on the arcs are printed as numbers)."""
import os
import re
import sys

PYSNMP_CORE = "/usr/lib/python3/dist-packages/pysnmp/smi/mibs"
PYSNMP_MIBS = "/usr/lib/python3/dist-packages/pysnmp_mibs"
NETSNMP = "/usr/share/snmp/mibs"

IETF = ["RFC1213-MIB", "SNMPv2-MIB", "SNMP-FRAMEWORK-MIB", "SNMP-MPD-MIB", "SNMP-USER-BASED-SM-MIB",
        "SNMP-VIEW-BASED-ACM-MIB", "SNMP-COMMUNITY-MIB", "SNMP-TARGET-MIB", "SNMP-NOTIFICATION-MIB",
        "SNMP-USM-AES-MIB", "SNMP-USM-HMAC-SHA2-MIB", "IF-MIB", "IP-MIB", "TCP-MIB", "UDP-MIB",
        "HOST-RESOURCES-MIB", "HOST-RESOURCES-TYPES", "NOTIFICATION-LOG-MIB"]
NET_SNMP = ["NET-SNMP-MIB", "NET-SNMP-TC", "NET-SNMP-AGENT-MIB", "NET-SNMP-EXTEND-MIB", "NET-SNMP-PASS-MIB",
            "NET-SNMP-EXAMPLES-MIB", "NET-SNMP-VACM-MIB", "UCD-SNMP-MIB", "UCD-DISKIO-MIB"]

# SNMPv2-SMI's nodes (RFC 2578 2), which pysnmp builds in code rather than one per line.
ROOTS = {
    "internet": (1, 3, 6, 1), "directory": (1, 3, 6, 1, 1), "mgmt": (1, 3, 6, 1, 2), "mib-2": (1, 3, 6, 1, 2, 1),
    "transmission": (1, 3, 6, 1, 2, 1, 10), "experimental": (1, 3, 6, 1, 3), "private": (1, 3, 6, 1, 4),
    "enterprises": (1, 3, 6, 1, 4, 1), "security": (1, 3, 6, 1, 5), "snmpV2": (1, 3, 6, 1, 6),
    "snmpDomains": (1, 3, 6, 1, 6, 1), "snmpProxys": (1, 3, 6, 1, 6, 2), "snmpModules": (1, 3, 6, 1, 6, 3),
    "zeroDotZero": (0, 0),
}
KINDS = ("MibIdentifier|MibScalar|MibTable|MibTableRow|MibTableColumn|NotificationType|ModuleIdentity|"
         "ObjectIdentity|ObjectGroup|NotificationGroup|ModuleCompliance|AgentCapabilities")
PY_OBJ = re.compile(r"^(\w+) = (?:%s)\(\(([\d, ]+)\)(.*)$" % KINDS)
TEXT_TYPES = ("DisplayString", "SnmpAdminString", "SnmpTagValue", "SnmpSecurityName")

nodes = {}      # oid tuple -> name
syntax = {}     # (module, name) -> syntax text
rows = {}       # oid -> [(implied, module, name)]
by_name = {}    # (module, name) -> oid
augments = []   # (row oid, base (module, name))


def add(oid, name, module):
    if oid not in nodes or module in IETF[1:]:  # a newer module's name wins over RFC1213-MIB's for the same node
        nodes[oid] = name
    by_name[(module, name)] = oid


def read_pysnmp(module):
    path = os.path.join(PYSNMP_CORE, module + ".py")
    if not os.path.exists(path):
        path = os.path.join(PYSNMP_MIBS, module + ".py")
    labels = {}
    for line in open(path, encoding="utf-8"):
        m = re.match(r"^(\w+)\.setLabel\(['\"]([\w-]+)['\"]\)", line)
        if m:
            labels[m.group(1)] = m.group(2)
        m = re.search(r"^(\w+) = \w+\(.*\)\.setLabel\(['\"]([\w-]+)['\"]\)", line)
        if m:
            labels[m.group(1)] = m.group(2)
    for line in open(path, encoding="utf-8"):
        m = PY_OBJ.match(line)
        if m:
            sym, oid, rest = m.group(1), tuple(int(x) for x in m.group(2).replace(" ", "").split(",") if x), m.group(3)
            name = labels.get(sym, sym)
            add(oid, name, module)
            syntax[(module, name)] = rest
            idx = re.search(r"\.setIndexNames\((.*)\)\s*$", rest)
            if idx:
                rows[oid] = [(int(i), mod, n) for i, mod, n in re.findall(r'\((\d), "([\w-]+)", "([\w-]+)"\)', idx.group(1))]
            continue
        m = re.match(r"^(\w+)\.setIndexNames\(\*(\w+)\.getIndexNames\(\)\)", line)
        if m:
            augments.append((m.group(1), module, m.group(2)))
        m = re.match(r"^(\w+)\.setIndexNames\((.*)\)\s*$", line)
        if m and not m.group(2).startswith("*"):
            rows[("sym", module, m.group(1))] = [(int(i), mod, n) for i, mod, n in
                                                re.findall(r'\((\d), "([\w-]+)", "([\w-]+)"\)', m.group(2))]


def strip_comments(text):
    out = []
    for line in text.splitlines():
        # "--" starts a comment outside a string; MIB strings here hold no "--"
        q = False
        for i, c in enumerate(line):
            if c == '"':
                q = not q
            elif not q and line.startswith("--", i):
                line = line[:i]
                break
        out.append(line)
    return "\n".join(out)


def read_mib_text(module):
    text = strip_comments(open(os.path.join(NETSNMP, module + ".txt"), encoding="latin-1").read())
    imports = re.search(r"\bIMPORTS\b(.*?);", text, re.S)
    text = text[imports.end():] if imports else text
    # drop the quoted strings (DESCRIPTION text) so nothing in them is taken for a definition
    text = re.sub(r'"[^"]*"', '""', text)
    pending = []
    for m in re.finditer(r"(?m)^\s*([a-z][\w-]*)\s+(OBJECT-TYPE|OBJECT\s+IDENTIFIER|MODULE-IDENTITY|OBJECT-IDENTITY|"
                         r"NOTIFICATION-TYPE|OBJECT-GROUP|NOTIFICATION-GROUP|MODULE-COMPLIANCE|AGENT-CAPABILITIES)"
                         r"\b(.*?)::=\s*\{\s*([\w-]+)\s+(\d+)\s*\}", text, re.S):
        name, kind, body, parent, arc = m.groups()
        pending.append((name, body, parent, int(arc)))
        syn = re.search(r"\bSYNTAX\s+([\w-]+(?:\s+[\w-]+)?)", body)
        if syn:
            syntax[(module, name)] = syn.group(1)
        idx = re.search(r"\bINDEX\s*\{([^}]*)\}", body)
        if idx:
            items = []
            for part in idx.group(1).split(","):
                words = part.split()
                items.append((1 if words[0] == "IMPLIED" else 0, module, words[-1]))
            rows[("sym", module, name)] = items
        aug = re.search(r"\bAUGMENTS\s*\{\s*([\w-]+)\s*\}", body)
        if aug:
            augments.append((name, module, aug.group(1)))
    return pending


def resolve(pending_all):
    names = {n: o for o, n in nodes.items()}
    names.update(ROOTS)
    left = pending_all
    while left:
        nxt = []
        for module, (name, body, parent, arc) in left:
            if parent in names:
                oid = names[parent] + (arc,)
                add(oid, name, module)
                names[name] = oid
            else:
                nxt.append((module, (name, body, parent, arc)))
        if len(nxt) == len(left):
            sys.exit("unresolved parents: %s" % sorted(set(p[1][2] for p in nxt)))
        left = nxt


def index_kind(implied, module, name):
    syn = syntax.get((module, name), "")
    if any(t in syn for t in TEXT_TYPES):
        return "S" if implied else "s"
    if "IpAddress" in syn:
        return "a"
    if re.search(r"\b(Integer32|INTEGER|Integer|Unsigned32|Gauge32|InterfaceIndex|InterfaceIndexOrZero|"
                 r"InetPortNumber|InetAddressType|TimeStamp|IANAifType|RowPointer)\b", syn) and "OctetString" not in syn:
        return "i"
    return "x"


def main():
    for module in IETF:
        read_pysnmp(module)
    pending = []
    for module in NET_SNMP:
        pending += [(module, p) for p in read_mib_text(module)]
    resolve(pending)
    for name, oid in ROOTS.items():
        nodes.setdefault(oid, name)
    # rows named by symbol (the index given after the row's line) and augmenting rows get their oid and index
    for key in [k for k in rows if k[0] == "sym"]:
        _, module, sym = key
        oid = by_name.get((module, sym))
        if oid:
            rows[oid] = rows[key]
        del rows[key]
    for sym, module, base in augments:
        oid, boid = by_name.get((module, sym)), by_name.get((module, base))
        if oid and boid in rows:
            rows[oid] = rows[boid]
    print("/* snmp_mib.def: MIB node names for the SNMP dissector, generated by dissectors/snmp_mib_gen.py (see its")
    print(" * header for the modules and RFCs); do not edit. MIB(oid, descriptor, index kinds of a table row) */")
    for oid in sorted(nodes):
        idx = "".join(index_kind(*i) for i in rows.get(oid, []))
        print('MIB("%s", "%s", %s)' % (".".join(map(str, oid)), nodes[oid], '"%s"' % idx if idx else "NULL"))


main()
