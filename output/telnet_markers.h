/* telnet_markers: names of Telnet commands and options (RFC 854, 855, and the option RFCs listed in
 * telnet_markers.c) for transcript markers such as [IAC DO ECHO]. */
#ifndef TELNET_MARKERS_H
#define TELNET_MARKERS_H

#include <stdint.h>

enum telnet_byte { TELNET_SE = 240, TELNET_SB = 250, TELNET_WILL = 251, TELNET_DONT = 254, TELNET_IAC = 255 };

/* "ECHO", "TERMINAL-TYPE", ...; NULL for an option without a name here. */
const char *telnet_option_name(uint8_t opt);
/* "NOP", "WILL", "SB", ... for 240..255; NULL below. */
const char *telnet_command_name(uint8_t cmd);

#endif
