/* Small parsers and formatters shared by vflagd and vflagctl. */
#ifndef VFLAG_COMMON_UTIL_H
#define VFLAG_COMMON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETH_ALEN_ 6
#define MAC_STR_LEN 18 /* "xx:xx:xx:xx:xx:xx" + NUL */

/* Parses "6a:66:2d:48:92:c3"; -EINVAL on anything else. */
int mac_parse(const char *s, uint8_t mac[6]);
/* Formats into buf (MAC_STR_LEN bytes); returns buf. */
char *mac_format(const uint8_t mac[6], char *buf);
bool mac_is_multicast(const uint8_t mac[6]);
bool mac_is_zero(const uint8_t mac[6]);

/* Parses a decimal unsigned in [min, max]; -EINVAL or -ERANGE. */
int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

/* Parses "on"/"off"/"yes"/"no"/"1"/"0"; -EINVAL otherwise. */
int parse_bool(const char *s, bool *out);

/* Parses hex digits (spaces and colons allowed between bytes) into buf.
 * Returns the byte count, -EINVAL on a bad digit, -E2BIG if it is longer
 * than cap. */
int hex_parse(const char *s, uint8_t *buf, size_t cap);

/* The name rule of PFs and bonds: 1..max of [a-z0-9], a letter first, so
 * the device names derived from them (pf0vf12, pf0_12) fit IFNAMSIZ. One
 * rule for the eswitch and the bond, which do not know each other. */
bool util_short_name_valid(const char *name, size_t max);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
