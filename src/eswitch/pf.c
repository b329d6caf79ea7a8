/* PFs: adopting an uplink, its VF count (as sriov_numvfs), releasing it,
 * and what the rest of vflagd reads of it. */
#include "eswitch/eswitch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "eswitch/eswitch_impl.h"

#define TAG ESWITCH_TAG

static bool pci_valid(const char *pci)
{
	unsigned d, b, s, f;
	char tail;

	return strlen(pci) == 12 &&
	       sscanf(pci, "%4x:%2x:%2x.%1x%c", &d, &b, &s, &f, &tail) == 4 &&
	       s < 32 && f < 8;
}

/* A VF device a running numvfs change has made but not committed. */
static bool pf_job_has_dev(struct eswitch *sw, const char *name)
{
	for (unsigned i = 0; i < sw->npfs; i++)
		if (eswitch_numvfs_has_dev(sw->pfs[i], name))
			return true;
	return false;
}

/* Every refusal of pf add that needs no allocation, in the order the
 * user would fix them. */
static int pf_add_check(struct eswitch *sw, const char *name,
			const char *ifname, const char *pci,
			struct nl_link_info *info, char *err, size_t errlen)
{
	struct pf *other;
	int ret;

	if (!eswitch_name_valid(name)) {
		snprintf(err, errlen,
			 "bad PF name '%s': use 1 to %d characters a-z, 0-9, "
			 "starting with a letter",
			 name, ESWITCH_PF_NAME_MAX);
		return -EINVAL;
	}
	if (eswitch_pf_find(sw, name)) {
		snprintf(err, errlen, "PF %s exists already", name);
		return -EEXIST;
	}
	if (pci && !pci_valid(pci)) {
		snprintf(err, errlen,
			 "bad PCI address '%s': expected DDDD:BB:SS.F, e.g. "
			 "0000:61:00.0",
			 pci);
		return -EINVAL;
	}
	if (sw->npfs == ESWITCH_MAX_PFS) {
		snprintf(err, errlen, "too many PFs (at most %d)",
			 ESWITCH_MAX_PFS);
		return -ENOSPC;
	}
	ret = sw->ops->link_get(sw->ops_ctx, NULL, ifname, 0, info);
	if (ret) {
		snprintf(err, errlen,
			 "no interface '%s' in vflagd's namespace (%s): check "
			 "`ip link show`",
			 ifname, strerror(-ret));
		return ret;
	}
	other = eswitch_pf_by_ifindex(sw, info->ifindex);
	if (other) {
		snprintf(err, errlen,
			 "interface %s is already adopted as PF %s", ifname,
			 other->name);
		return -EBUSY;
	}
	if (eswitch_vf_by_devname(sw, info->name, NULL) ||
	    pf_job_has_dev(sw, info->name)) {
		snprintf(err, errlen,
			 "interface %s is one of vflag's own VF ports, not an "
			 "uplink",
			 ifname);
		return -EINVAL;
	}
	if (!strcmp(info->name, "lo")) {
		snprintf(err, errlen,
			 "the loopback interface cannot be an uplink");
		return -EINVAL;
	}
	return 0;
}

int eswitch_pf_add(struct eswitch *sw, const char *name, const char *ifname,
		   const char *pci, char *err, size_t errlen)
{
	struct nl_link_info info;
	struct vflag_port entry;
	struct pf *pf;
	unsigned slot;
	int ret;

	ret = pf_add_check(sw, name, ifname, pci, &info, err, errlen);
	if (ret)
		return ret;
	for (slot = 0; slot < ESWITCH_MAX_PFS; slot++)
		if (!(sw->slots_used & (1ull << slot)))
			break;

	pf = calloc(1, sizeof(*pf));
	if (!pf) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(pf->name, sizeof(pf->name), "%s", name);
	snprintf(pf->dev, sizeof(pf->dev), "%s", info.name);
	pf->ifindex = info.ifindex;
	memcpy(pf->mac, info.mac, 6);
	pf->carrier = info.carrier;
	pf->mtu = info.mtu;
	/* Tenants are isolated by default: a PF-wide off is explicit. */
	pf->spoofchk = true;
	pf->lag_ok = info.carrier; /* a lone PF: its own carrier */
	pf->slot = slot;
	if (pci)
		snprintf(pf->pci, sizeof(pf->pci), "%s", pci);
	else
		snprintf(pf->pci, sizeof(pf->pci), "0000:%02x:%02x.%x",
			 0x61 + slot / 64, (slot % 64) / 8, slot % 8);
	ret = eswitch_port_id_alloc(sw, &pf->port_id);
	if (ret) {
		snprintf(err, errlen, "no free eswitch port (at most %d)",
			 VFLAG_MAX_PORTS);
		goto free_pf;
	}
	if (!info.admin_up) {
		ret = sw->ops->link_set_up(sw->ops_ctx, pf->ifindex, true);
		if (ret) {
			snprintf(err, errlen, "cannot bring %s up: %s", ifname,
				 strerror(-ret));
			goto free_port_id;
		}
	}
	entry = eswitch_pf_port_entry(pf);
	ret = sw->ops->port_attach(sw->ops_ctx, pf->ifindex, &entry);
	if (ret) {
		snprintf(err, errlen, "cannot attach the eswitch to %s: %s",
			 ifname, strerror(-ret));
		goto free_port_id;
	}
	sw->slots_used |= 1ull << slot;
	sw->pfs[sw->npfs++] = pf;
	LOG_INFO(TAG, "PF %s adopted %s (ifindex %d)", name, pf->dev,
		 pf->ifindex);
	return 0;

free_port_id:
	eswitch_port_id_free(sw, pf->port_id);
free_pf:
	free(pf);
	return ret;
}

bool eswitch_pf_vfs_in_use(struct eswitch *sw, struct pf *pf, char *why,
			   size_t whylen)
{
	for (unsigned v = 0; v < pf->numvfs; v++) {
		struct vf *vf = &pf->vfs[v];

		if (!eswitch_vf_in_use(sw, vf))
			continue;
		if (vf->type == VF_TYPE_VETH)
			snprintf(why, whylen,
				 "VF %u of %s (%s) is in namespace %s", v,
				 pf->name, vf->ifname, vf->netns);
		else
			snprintf(why, whylen,
				 "VF %u of %s (TAP %s) is open by a VM", v,
				 pf->name, vf->ifname);
		return true;
	}
	return false;
}

/* pf_set_numvfs: numvfs.c, a VF at a time. */

int eswitch_pf_set_spoofchk(struct eswitch *sw, struct pf *pf, bool on)
{
	pf->spoofchk = on;
	for (unsigned v = 0; v < pf->numvfs; v++) {
		struct vf *vf = &pf->vfs[v];
		struct vflag_port entry;

		vf->policy.spoofchk = on;
		entry = eswitch_vf_port_entry(pf, vf);
		if (!vf->gone)
			sw->ops->port_update(sw->ops_ctx, vf->rep_ifindex,
					     &entry);
	}
	return 0;
}

int eswitch_pf_del(struct eswitch *sw, struct pf *pf, bool force, char *err,
		   size_t errlen)
{
	unsigned i;
	int ret;

	/* The daemon names the bond first (command.c); this is the model's
	 * own guard, which knows only the slot. */
	if (pf->in_lag) {
		snprintf(err, errlen,
			 "%s is a member of the bond in LAG slot %u: remove it "
			 "from the bond first",
			 pf->name, pf->lag_slot);
		return -EBUSY;
	}
	ret = eswitch_pf_set_numvfs(sw, pf, 0, pf->vf_type, force, err, errlen);
	if (ret)
		return ret;
	sw->ops->port_detach(sw->ops_ctx, pf->ifindex, pf->gone);
	eswitch_port_id_free(sw, pf->port_id);
	sw->ops->flood_set(sw->ops_ctx, pf->slot, &(struct vflag_flood){0});
	sw->slots_used &= ~(1ull << pf->slot);
	for (i = 0; i < sw->npfs && sw->pfs[i] != pf; i++)
		;
	memmove(&sw->pfs[i], &sw->pfs[i + 1],
		(sw->npfs - i - 1) * sizeof(sw->pfs[0]));
	sw->npfs--;
	LOG_INFO(TAG, "PF %s released %s", pf->name, pf->dev);
	free(pf);
	return 0;
}

int eswitch_pf_poll_carrier(struct eswitch *sw, struct pf *pf, bool *carrier)
{
	struct nl_link_info info;
	int ret;

	if (pf->gone)
		return -ENODEV;
	ret = sw->ops->link_get(sw->ops_ctx, NULL, NULL, pf->ifindex, &info);
	if (ret)
		return ret;
	*carrier = info.carrier && info.admin_up;
	pf->carrier = *carrier;
	return 0;
}

const char *pf_name(const struct pf *pf)
{
	return pf->name;
}

const char *pf_dev(const struct pf *pf)
{
	return pf->dev;
}

int pf_ifindex(const struct pf *pf)
{
	return pf->ifindex;
}

const uint8_t *pf_mac(const struct pf *pf)
{
	return pf->mac;
}

bool pf_carrier(const struct pf *pf)
{
	return pf->carrier && !pf->gone;
}

bool pf_gone(const struct pf *pf)
{
	return pf->gone;
}

uint32_t pf_port_id(const struct pf *pf)
{
	return pf->port_id;
}

void eswitch_pf_status(struct eswitch *sw, const struct pf *pf,
		       struct eswitch_pf_status *st)
{
	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "%s", pf->name);
	snprintf(st->dev, sizeof(st->dev), "%s", pf->dev);
	st->ifindex = pf->ifindex;
	memcpy(st->mac, pf->mac, 6);
	snprintf(st->pci, sizeof(st->pci), "%s", pf->pci);
	st->carrier = pf->carrier;
	st->gone = pf->gone;
	st->numvfs = pf->numvfs;
	st->vf_type = pf->vf_type;
	st->spoofchk = pf->spoofchk;
	st->lag_slot = pf_lag_slot(pf);
	st->port_id = pf->port_id;
	st->mtu = pf->mtu;
	st->mode_switchdev = pf->mode_switchdev;
	st->switchdev = pf->sd_active;
	st->hw_tc_offload = pf->hw_tc_offload;
}
