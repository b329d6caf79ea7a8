/* The switchdev commands (doc/switchdev.md): devlink's `eswitch set PF
 * mode legacy|switchdev` and `eswitch show`, ethtool's `hw-tc-offload`,
 * and the LAG's mode in `bond show`. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "ctl/command_impl.h"
#include "ctl/reply_eswitch.h"

json_t *cmd_eswitch_set(struct vflagd *d, int argc, char **argv,
			struct cmd_res *r)
{
	struct pf *pf;
	bool sd;

	if (argc != 3 || strcmp(argv[1], "mode"))
		return cmd_usage(r, "eswitch", "set");
	pf = cmd_pf(d, argv[0], r);
	if (!pf)
		return NULL;
	if (eswitch_mode_parse(argv[2], &sd))
		return cmd_fail(r, EINVAL, true,
				"eswitch mode is legacy or switchdev, not '%s'",
				argv[2]);
	/* Rules on its ports follow the mode: command_run's refresh. */
	return cmd_check(r, eswitch_pf_set_mode(vflagd_eswitch(d), pf, sd,
						r->err, r->errlen));
}

json_t *cmd_eswitch_show(struct vflagd *d, int argc, char **argv,
			 struct cmd_res *r)
{
	json_t *data;

	if (argc > 1)
		return cmd_usage(r, "eswitch", "show");
	if (!vflagd_eswitch(d))
		return cmd_fail(r, ENODEV, false, "no eswitch");
	data = reply_eswitch_modes(vflagd_eswitch(d), argc ? argv[0] : NULL,
				   vflagd_lag_name, d, r->err, r->errlen);
	return data ? data : cmd_fail(r, ENOENT, false, NULL);
}

json_t *cmd_pf_hw_tc_offload(struct vflagd *d, struct pf *pf, const char *value,
			     struct cmd_res *r)
{
	bool on;

	if (parse_bool(value, &on))
		return cmd_fail(r, EINVAL, true,
				"hw-tc-offload is on or off, not '%s'", value);
	return cmd_check(
	    r, eswitch_pf_set_hw_tc_offload(vflagd_eswitch(d), pf, on));
}

void cmd_bond_switchdev(struct vflagd *d, const struct vflagd_bond *b,
			json_t *obj)
{
	struct eswitch *sw = vflagd_eswitch(d);
	struct eswitch_lag_rep_status ls;
	uint32_t slot = vflagd_bond_slot(b);
	char why[160];
	bool mode;

	if (!sw)
		return;
	mode = eswitch_lag_mode(sw, slot, why, sizeof(why));
	json_object_set_new(obj, "eswitch_mode",
			    json_string(eswitch_mode_name(mode)));
	json_object_set_new(obj, "representor",
			    eswitch_lag_rep_status(sw, slot, &ls)
				? json_null()
				: json_string(ls.name));
	/* Why the LAG is not in its members' new mode, as the NIC refuses. */
	json_object_set_new(obj, "eswitch_reason",
			    why[0] ? json_string(why) : json_null());
}
