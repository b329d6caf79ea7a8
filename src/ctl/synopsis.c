/* The command synopses: see synopsis.h. */
#include "ctl/synopsis.h"

#include <stdio.h>
#include <string.h>

#include "common/util.h"

const struct ctl_synopsis ctl_synopses[] = {
    {"pf", "add", "pf add NAME dev IFNAME [pci DDDD:BB:SS.F]"},
    {"pf", "set", "pf set NAME numvfs N [type veth|tap]"},
    {"pf", "set", "pf set NAME spoofchk on|off"},
    {"pf", "set", "pf set NAME hw-tc-offload on|off"},
    {"pf", "del", "pf del NAME [--force]"},
    {"pf", "show", "pf show [NAME]"},
    {"pf", NULL, "show"}, /* pf show's alias, listed with pf */
    {"vf", "set",
     "vf set PF vf N [mac MAC] [netns NS|-] [vlan VID [qos PCP] [proto "
     "802.1Q|802.1ad]] [spoofchk on|off] [trust on|off] [max_tx_rate MBPS] "
     "[storm_pps PPS] [storm_burst N] [state auto|enable|disable]"},
    {"vf", "show", "vf show [PF]"},
    {"bond", "add", "bond add NAME mode MODE [BOND_OPTS] [members PF [PF...]]"},
    {"bond", "set", "bond set NAME BOND_OPTS"},
    {"bond", "member", "bond member add|del NAME PF"},
    {"bond", "del", "bond del NAME [--force]"},
    {"bond", "show", "bond show [NAME]"},
    {"bond", "xmit-member", "bond xmit-member NAME FLOW"},
    {"flow", "add",
     "flow add dev PORT [prio N] [chain N] [handle H] flower MATCH "
     "action ACTION [action ACTION...]"},
    {"flow", "del", "flow del dev PORT [prio N] [handle H]"},
    {"flow", "show", "flow show [dev PORT] [-s]"},
    {"stats", NULL, "stats [PORT]"},
    {"map-rep", NULL, "map-rep [PF]"},
    {"eswitch", "set", "eswitch set PF mode legacy|switchdev"},
    {"eswitch", "show", "eswitch show [PF]"},
    {"monitor", NULL, "monitor [BOND] [-i SECONDS] [-n COUNT]"},
    {"teardown", NULL, "teardown [--force]"},
    {"log", NULL, "log level err|warn|info|debug"},
};
const size_t ctl_synopses_count = ARRAY_SIZE(ctl_synopses);

const char *ctl_synopsis_usage(const char *object, const char *verb, char *buf,
			       size_t len)
{
	size_t used;
	int n;

	n = snprintf(buf, len, "usage:");
	used = n > 0 && (size_t)n < len ? (size_t)n : 0;
	for (size_t i = 0; i < ctl_synopses_count; i++) {
		const struct ctl_synopsis *s = &ctl_synopses[i];

		if (strcmp(s->object, object))
			continue;
		if (verb && (!s->verb || strcmp(s->verb, verb)))
			continue;
		n = snprintf(buf + used, len - used, "%s %s",
			     used > 6 ? " |" : "", s->line);
		if (n < 0 || (size_t)n >= len - used) {
			buf[used] = '\0'; /* whole lines only */
			break;
		}
		used += (size_t)n;
	}
	return buf;
}
