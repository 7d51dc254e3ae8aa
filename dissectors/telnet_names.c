#include "telnet_names.h"

#include <stddef.h>

/* Option names by code, from the IANA "Telnet Options" registry: RFC 856 (BINARY), 857 (ECHO), 858
 * (SUPPRESS-GO-AHEAD), 859 (STATUS), 860 (TIMING-MARK), 1091 (TERMINAL-TYPE), 1073 (NAWS), 1079 (TERMINAL-SPEED),
 * 1372 (TOGGLE-FLOW-CONTROL), 1184 (LINEMODE), 1096 (X-DISPLAY-LOCATION), 1408 (ENVIRON), 2941 (AUTHENTICATION),
 * 2946 (ENCRYPT), 1572 (NEW-ENVIRON), 2066 (CHARSET), 1041 (3270-REGIME), 861 (EXOPL: 255). */
static const char *const option_names[256] = {
    [0] = "BINARY", [1] = "ECHO", [2] = "RECONNECTION", [3] = "SUPPRESS-GO-AHEAD", [4] = "APPROX-MESSAGE-SIZE",
    [5] = "STATUS", [6] = "TIMING-MARK", [7] = "RCTE", [8] = "OUTPUT-LINE-WIDTH", [9] = "OUTPUT-PAGE-SIZE",
    [10] = "NAOCRD", [11] = "NAOHTS", [12] = "NAOHTD", [13] = "NAOFFD", [14] = "NAOVTS", [15] = "NAOVTD",
    [16] = "NAOLFD", [17] = "EXTEND-ASCII", [18] = "LOGOUT", [19] = "BYTE-MACRO", [20] = "DATA-ENTRY-TERMINAL",
    [21] = "SUPDUP", [22] = "SUPDUP-OUTPUT", [23] = "SEND-LOCATION", [24] = "TERMINAL-TYPE",
    [25] = "END-OF-RECORD", [26] = "TUID", [27] = "OUTMRK", [28] = "TTYLOC", [29] = "3270-REGIME",
    [30] = "X.3-PAD", [31] = "NAWS", [32] = "TERMINAL-SPEED", [33] = "TOGGLE-FLOW-CONTROL", [34] = "LINEMODE",
    [35] = "X-DISPLAY-LOCATION", [36] = "ENVIRON", [37] = "AUTHENTICATION", [38] = "ENCRYPT",
    [39] = "NEW-ENVIRON", [40] = "TN3270E", [41] = "XAUTH", [42] = "CHARSET", [43] = "RSP",
    [44] = "COM-PORT-OPTION", [45] = "SLE", [46] = "START-TLS", [47] = "KERMIT", [48] = "SEND-URL",
    [49] = "FORWARD-X", [255] = "EXOPL",
};

/* Commands 236..255: RFC 1184 (EOF SUSP ABORT), RFC 885 (EOR), RFC 854 (the rest). */
static const char *const command_names[20] = {
    "EOF", "SUSP", "ABORT", "EOR", "SE", "NOP", "DM", "BRK", "IP", "AO", "AYT", "EC", "EL", "GA", "SB",
    "WILL", "WONT", "DO", "DONT", "IAC",
};

const char *telnet_option_name(uint8_t opt) { return option_names[opt]; }

const char *telnet_command_name(uint8_t cmd) { return cmd >= TN_EOF ? command_names[cmd - TN_EOF] : NULL; }
