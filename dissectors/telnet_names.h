/* telnet_names: the one table of Telnet command and option names (RFC 854, 855 and the option RFCs listed in
 * telnet_names.c), for the dissector's events and the transcript's markers alike. */
#ifndef TELNET_NAMES_H
#define TELNET_NAMES_H

#include <stdint.h>

enum telnet_byte {
    TN_EOF = 236, /* the lowest command code with a name (RFC 1184) */
    TN_SE = 240, TN_NOP = 241, TN_EC = 247, TN_EL = 248, TN_SB = 250,
    TN_WILL = 251, TN_WONT = 252, TN_DO = 253, TN_DONT = 254, TN_IAC = 255
};

/* "ECHO", "TERMINAL-TYPE", ...; NULL for an option without a name here. */
const char *telnet_option_name(uint8_t opt);
/* "EOF" ... "NOP", "WILL", "SB", "IAC" for 236..255; NULL below. */
const char *telnet_command_name(uint8_t cmd);

#endif
