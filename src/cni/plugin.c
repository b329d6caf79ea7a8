/* ADD, DEL, CHECK, VERSION, STATUS and GC. */
#include "cni/plugin.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cni/delegate.h"
#include "cni/netns.h"
#include "cni/state.h"
#include "cni/vfpool.h"

/* Everything one invocation works with. */
struct op {
	const struct cni_env *env;
	struct cni_config cfg;
	char ipam_version[16]; /* the version IPAM is spoken to in */
};

static struct cni_delegate ipam_of(const struct op *op,
				   const char *container_id, const char *ifname)
{
	return (struct cni_delegate){
	    .type = op->cfg.ipam_type,
	    .cni_path = op->env->path,
	    .container_id = container_id,
	    .ifname = ifname,
	    .netns = op->env->netns,
	};
}

/* Negotiates IPAM's version once (VERSION costs an exec). */
static int ipam_version(struct op *op, struct cni_err *err)
{
	struct cni_delegate d = ipam_of(op, NULL, NULL);

	if (op->ipam_version[0])
		return 0;
	return cni_delegate_version(&d, op->cfg.cni_version, op->ipam_version,
				    err);
}

static int ipam_call(struct op *op, const char *cmd, const char *container_id,
		     const char *ifname, json_t **result, struct cni_err *err)
{
	struct cni_delegate d = ipam_of(op, container_id, ifname);
	json_t *ignored = NULL;
	int ret;

	if (ipam_version(op, err))
		return -1;
	ret = cni_delegate_run(&d, cmd, op->cfg.root, op->ipam_version,
			       result ? result : &ignored, err);
	json_decref(ignored);
	return ret;
}

/* Puts the IPAM result's addresses and routes on the link (SPEC.md: the
 * interface plugin configures what IPAM allocated). */
static int ipam_apply(int ns_fd, int ifindex, const json_t *res,
		      struct cni_err *err)
{
	json_t *ip, *rt;
	size_t i;
	int ret;

	json_array_foreach(json_object_get(res, "ips"), i, ip)
	{
		const char *a =
		    json_string_value(json_object_get(ip, "address"));

		ret = a ? cni_addr_add(ns_fd, ifindex, a) : -EINVAL;
		if (ret)
			return cni_err_set(err, CNI_ERR_NETLINK,
					   "cannot add address %s: %s",
					   a ? a : "(none)", strerror(-ret));
	}
	json_array_foreach(json_object_get(res, "routes"), i, rt)
	{
		const char *dst = json_string_value(json_object_get(rt, "dst"));
		const char *gw = json_string_value(json_object_get(rt, "gw"));
		bool v6 = dst && strchr(dst, ':');
		size_t j;

		/* A route without "gw" goes through the gateway of the
		 * first address of its family, as the reference plugins do. */
		json_array_foreach(json_object_get(res, "ips"), j, ip)
		{
			const char *a =
			    json_string_value(json_object_get(ip, "address"));
			const char *g =
			    json_string_value(json_object_get(ip, "gateway"));

			if (gw || !a || !g || (strchr(a, ':') != NULL) != v6)
				continue;
			gw = g;
		}
		ret = dst ? cni_route_add(ns_fd, ifindex, dst, gw) : -EINVAL;
		if (ret)
			return cni_err_set(
			    err, CNI_ERR_NETLINK, "cannot add route to %s: %s",
			    dst ? dst : "(none)", strerror(-ret));
	}
	return 0;
}

/* Gives the VF of `rec` back to vflagd and forgets it: renames it back to
 * its own name in the pinned namespace, `vf set ... netns -` (restoring
 * its MAC and the settings ADD changed), unpins. Tolerates every piece
 * being gone already; fails only when vflagd cannot be reached or the
 * rename fails, keeping the record so a later DEL can finish. */
static int vf_release(const struct op *op, const struct cni_record *rec,
		      struct cni_err *err)
{
	struct cni_err scratch;
	struct cni_link link;
	int ns, ret, refused;

	ns = cni_netns_open(NULL, rec->pin);
	if (ns >= 0) {
		/* By ifindex: it survives renames by later plugins, and a
		 * gone VF's name may be someone else's now. */
		if (rec->ifindex)
			ret = cni_link_get(ns, NULL, rec->ifindex, &link);
		else
			ret = cni_link_get(ns, rec->ifname, 0, &link);
		if (!ret && strcmp(link.name, rec->vf_ifname)) {
			ret = cni_link_rename(ns, link.ifindex, rec->vf_ifname,
					      false);
			if (ret) {
				close(ns);
				return cni_err_set(err, CNI_ERR_NETLINK,
						   "cannot rename %s back to "
						   "%s: %s",
						   link.name, rec->vf_ifname,
						   strerror(-ret));
			}
		} else if (!ret) {
			cni_link_set_up(ns, link.ifindex, false);
		}
		close(ns);
	}
	ret = cni_vf_set(op->cfg.socket, rec->pf, rec->vf,
			 rec->orig_mac[0] ? rec->orig_mac : NULL, "-",
			 &rec->orig, &refused, &scratch);
	if (ret && scratch.code == CNI_ERR_REFUSED &&
	    (rec->orig_mac[0] || cni_vf_settings_any(&rec->orig))) {
		/* The MAC is set in the namespace, or a setting no longer
		 * fits: without them, still bring the VF back, then put the
		 * settings back on their own (best effort: the VF is free
		 * either way, and `vf show` tells what it has). */
		ret = cni_vf_set(op->cfg.socket, rec->pf, rec->vf, NULL, "-",
				 NULL, &refused, &scratch);
		if (!ret && cni_vf_settings_any(&rec->orig))
			cni_vf_set(op->cfg.socket, rec->pf, rec->vf, NULL, NULL,
				   &rec->orig, NULL, &scratch);
	}
	if (ret && scratch.code != CNI_ERR_REFUSED) {
		*err = scratch;
		return -1;
	}
	/* Refused: the VF or its PF is gone (a namespace deleted under it,
	 * numvfs changed): nothing of ours is left to give back. */
	ret = cni_unpin(rec->pin);
	if (ret)
		return cni_err_set(err, CNI_ERR_IO, "cannot unpin %s: %s",
				   rec->pin, strerror(-ret));
	return 0;
}

/* The error of a failed rollback step goes to details, the first error
 * stays the message. */
static void rollback_note(struct cni_err *err, const char *what,
			  const struct cni_err *rb)
{
	size_t n = strlen(err->details);

	snprintf(err->details + n, sizeof(err->details) - n,
		 "%srollback: %s: %s", n ? "; " : "", what, rb->msg);
}

static int cmd_add(struct op *op, json_t **out, struct cni_err *err)
{
	const struct cni_env *env = op->env;
	struct cni_record rec = {0};
	json_t *ipam_res = NULL;
	struct cni_iface iface;
	struct cni_link link;
	struct cni_vf_settings want;
	struct cni_err rb;
	char mac[18];
	const char *why;
	struct cni_vf vf;
	int ns, lock, ret = -1;

	ns = cni_netns_open(env->netns, NULL);
	if (ns < 0)
		return cni_err_set(err, CNI_ERR_NO_CONTAINER,
				   "CNI_NETNS %s is not a network namespace: "
				   "%s",
				   env->netns, strerror(-ns));
	lock = cni_lock(op->cfg.socket);
	if (lock < 0) {
		cni_err_set(err, CNI_ERR_IO,
			    "cannot take the lock next to %s: %s",
			    op->cfg.socket, strerror(-lock));
		goto close_ns;
	}
	if (!cni_record_load(op->cfg.data_dir, op->cfg.name, env->container_id,
			     env->ifname, &rec)) {
		cni_err_set(err, CNI_ERR_EXISTS,
			    "container %s already has %s on network %s (DEL "
			    "it first)",
			    env->container_id, env->ifname, op->cfg.name);
		goto unlock;
	}
	if (!cni_link_get(ns, env->ifname, 0, &link)) {
		cni_err_set(err, CNI_ERR_EXISTS,
			    "the container already has an interface named %s",
			    env->ifname);
		goto unlock;
	}
	if (cni_vf_pick(&op->cfg, &vf, err))
		goto unlock;

	memset(&rec, 0, sizeof(rec));
	snprintf(rec.container_id, sizeof(rec.container_id), "%s",
		 env->container_id);
	snprintf(rec.ifname, sizeof(rec.ifname), "%s", env->ifname);
	snprintf(rec.netns, sizeof(rec.netns), "%s", env->netns);
	cni_pin_name(op->cfg.name, env->container_id, env->ifname, rec.pin);
	snprintf(rec.pf, sizeof(rec.pf), "%s", vf.pf);
	rec.vf = vf.vf;
	snprintf(rec.vf_ifname, sizeof(rec.vf_ifname), "%s", vf.ifname);
	if (op->cfg.vf.have_mac)
		snprintf(rec.orig_mac, sizeof(rec.orig_mac), "%s", vf.mac);
	cni_vf_settings_from_opts(&op->cfg.vf, &want);
	cni_vf_settings_undo(&want, &vf.settings, &rec.orig);

	ret = cni_pin(env->netns, rec.pin);
	if (ret == -EEXIST) {
		/* Left by an ADD that died before writing its record. */
		cni_unpin(rec.pin);
		ret = cni_pin(env->netns, rec.pin);
	}
	if (ret) {
		cni_err_set(err, CNI_ERR_IO, "cannot pin %s as %s/%s: %s",
			    env->netns, CNI_NETNS_RUN_DIR, rec.pin,
			    strerror(-ret));
		ret = -1;
		goto unlock;
	}
	/* The record before the move: a plugin killed from here on leaves
	 * what DEL or GC needs to give the VF back. */
	ret = cni_record_save(op->cfg.data_dir, op->cfg.name, &rec);
	if (ret) {
		cni_err_set(err, CNI_ERR_IO,
			    "cannot write the record in %s: %s",
			    op->cfg.data_dir, strerror(-ret));
		ret = -1;
		goto unpin;
	}
	/* One command: vflagd sets the settings and the MAC, and moves the
	 * VF, or undoes them (but a link state) if the move fails. */
	ret = cni_vf_set(
	    op->cfg.socket, vf.pf, vf.vf,
	    op->cfg.vf.have_mac ? cni_mac_format(op->cfg.vf.mac, mac) : NULL,
	    rec.pin, &want, NULL, err);
	if (ret)
		goto vf_back; /* the MAC or link state may have been set */
	ret = cni_link_get(ns, vf.ifname, 0, &link);
	if (!ret)
		ret = cni_link_rename(ns, link.ifindex, env->ifname, true);
	if (ret) {
		cni_err_set(err, CNI_ERR_NETLINK,
			    "cannot rename %s to %s in the container: %s",
			    vf.ifname, env->ifname, strerror(-ret));
		ret = -1;
		goto vf_back;
	}
	/* If this update fails, DEL finds the link by CNI_IFNAME instead. */
	rec.ifindex = link.ifindex;
	cni_record_save(op->cfg.data_dir, op->cfg.name, &rec);
	ret = cni_link_get(ns, NULL, link.ifindex, &link);
	if (ret) {
		cni_err_set(err, CNI_ERR_NETLINK, "%s vanished: %s",
			    env->ifname, strerror(-ret));
		ret = -1;
		goto vf_back;
	}

	if (op->cfg.ipam) {
		ret = ipam_call(op, "ADD", env->container_id, env->ifname,
				&ipam_res, err);
		if (ret)
			goto vf_back;
		ret = ipam_apply(ns, link.ifindex, ipam_res, err);
		if (ret)
			goto ipam_del;
	}
	iface = (struct cni_iface){
	    .name = env->ifname,
	    .mac = cni_mac_format(link.mac, mac),
	    .sandbox = env->netns,
	    .mtu = link.mtu,
	    .pci_id = vf.pci,
	};
	*out = cni_result_build(op->cfg.cni_version, op->cfg.prev_result,
				ipam_res, &iface, &why);
	if (!*out) {
		cni_err_set(err, CNI_ERR_DECODE, "cannot build the result: %s",
			    why);
		ret = -1;
		goto ipam_del;
	}
	json_decref(ipam_res);
	close(lock);
	close(ns);
	return 0;

ipam_del:
	if (ipam_call(op, "DEL", env->container_id, env->ifname, NULL, &rb))
		rollback_note(err, "IPAM DEL", &rb);
	json_decref(ipam_res);
vf_back:
	if (vf_release(op, &rec, &rb)) {
		/* Keep the record and the pin: the runtime's DEL after a
		 * failed ADD (or GC) gives the VF back later. */
		rollback_note(err, "giving the VF back (DEL retries it)", &rb);
		goto unlock;
	}
	cni_record_remove(op->cfg.data_dir, op->cfg.name, rec.container_id,
			  rec.ifname);
unpin:
	cni_unpin(rec.pin);
unlock:
	close(lock);
close_ns:
	close(ns);
	return -1;
}

static int cmd_del(struct op *op, struct cni_err *err)
{
	const struct cni_env *env = op->env;
	struct cni_record rec;
	int lock, ret;

	lock = cni_lock(op->cfg.socket);
	if (lock < 0)
		return cni_err_set(err, CNI_ERR_IO,
				   "cannot take the lock next to %s: %s",
				   op->cfg.socket, strerror(-lock));
	ret = cni_record_load(op->cfg.data_dir, op->cfg.name, env->container_id,
			      env->ifname, &rec);
	if (ret && ret != -ENOENT) {
		cni_err_set(err, CNI_ERR_IO,
			    "cannot read the record of %s/%s: %s",
			    env->container_id, env->ifname, strerror(-ret));
		goto unlock;
	}
	/* No record: never added, or deleted already. DEL is idempotent. */
	if (!ret) {
		ret = vf_release(op, &rec, err);
		if (ret)
			goto unlock;
	}
	/* IPAM even without a record: an ADD that died after IPAM ADD. */
	if (op->cfg.ipam) {
		ret = ipam_call(op, "DEL", env->container_id, env->ifname, NULL,
				err);
		if (ret)
			goto unlock;
	}
	ret = cni_record_remove(op->cfg.data_dir, op->cfg.name,
				env->container_id, env->ifname);
	if (ret)
		cni_err_set(err, CNI_ERR_IO, "cannot remove the record: %s",
			    strerror(-ret));
unlock:
	close(lock);
	return ret ? -1 : 0;
}

/* CHECK of the addresses prevResult gives our interface. */
static int check_addrs(const struct op *op, int ns, int ifindex, int index,
		       struct cni_err *err)
{
	json_t *ip;
	size_t i;

	json_array_foreach(json_object_get(op->cfg.prev_result, "ips"), i, ip)
	{
		json_t *at = json_object_get(ip, "interface");
		const char *a =
		    json_string_value(json_object_get(ip, "address"));
		int ret;

		if (!json_is_integer(at) || json_integer_value(at) != index ||
		    !a)
			continue;
		ret = cni_link_has_addr(ns, ifindex, a);
		if (ret < 0)
			return cni_err_set(err, CNI_ERR_CHECK,
					   "cannot read the addresses of %s: "
					   "%s",
					   op->env->ifname, strerror(-ret));
		if (!ret)
			return cni_err_set(err, CNI_ERR_CHECK,
					   "%s lacks address %s",
					   op->env->ifname, a);
	}
	return 0;
}

static int cmd_check(struct op *op, struct cni_err *err)
{
	const struct cni_env *env = op->env;
	struct cni_record rec;
	struct cni_link link;
	struct cni_vf_settings settings;
	struct cni_vf vf;
	int ns, pin, index, lock, ret = -1;
	char mac[18], why[128];
	const char *want;

	if (!op->cfg.prev_result)
		return cni_err_set(err, CNI_ERR_CONFIG,
				   "CHECK needs \"prevResult\" (the result of "
				   "the ADD)");
	lock = cni_lock(op->cfg.socket);
	if (lock < 0)
		return cni_err_set(err, CNI_ERR_IO,
				   "cannot take the lock next to %s: %s",
				   op->cfg.socket, strerror(-lock));
	if (cni_record_load(op->cfg.data_dir, op->cfg.name, env->container_id,
			    env->ifname, &rec)) {
		cni_err_set(err, CNI_ERR_NO_CONTAINER,
			    "no attachment of %s for container %s on network "
			    "%s",
			    env->ifname, env->container_id, op->cfg.name);
		goto unlock;
	}
	ns = cni_netns_open(env->netns, NULL);
	if (ns < 0) {
		cni_err_set(err, CNI_ERR_NO_CONTAINER,
			    "CNI_NETNS %s is not a network namespace: %s",
			    env->netns, strerror(-ns));
		goto unlock;
	}
	pin = cni_netns_open(NULL, rec.pin);
	if (pin < 0 || !cni_netns_same(ns, pin)) {
		cni_err_set(err, CNI_ERR_CHECK,
			    "the VF's namespace (pinned as %s) is not "
			    "CNI_NETNS %s",
			    rec.pin, env->netns);
		goto close_pin;
	}
	ret = cni_vf_get(op->cfg.socket, rec.pf, rec.vf, &vf, err);
	if (ret == -ENOENT)
		cni_err_set(err, CNI_ERR_CHECK, "vflagd has no VF %u on %s",
			    rec.vf, rec.pf);
	if (ret)
		goto close_pin;
	ret = -1;
	if (vf.gone || strcmp(vf.netns, rec.pin)) {
		cni_err_set(err, CNI_ERR_CHECK,
			    "vflagd says VF %u of %s is %s, not in %s", rec.vf,
			    rec.pf, vf.gone ? "gone" : "elsewhere", rec.pin);
		goto close_pin;
	}
	cni_vf_settings_from_opts(&op->cfg.vf, &settings);
	if (!cni_vf_settings_match(&settings, &vf.settings, why, sizeof(why))) {
		cni_err_set(err, CNI_ERR_CHECK,
			    "vflagd says VF %u of %s has %s", rec.vf, rec.pf,
			    why);
		goto close_pin;
	}
	if (cni_link_get(ns, env->ifname, 0, &link) ||
	    link.ifindex != rec.ifindex) {
		cni_err_set(err, CNI_ERR_CHECK,
			    "the container has no %s, or it is not the VF",
			    env->ifname);
		goto close_pin;
	}
	if (!link.up) {
		cni_err_set(err, CNI_ERR_CHECK, "%s is down", env->ifname);
		goto close_pin;
	}
	index =
	    cni_result_find_iface(op->cfg.prev_result, env->ifname, env->netns);
	if (index < 0) {
		cni_err_set(err, CNI_ERR_CHECK,
			    "prevResult lists no interface %s in %s",
			    env->ifname, env->netns);
		goto close_pin;
	}
	want = json_string_value(json_object_get(
	    json_array_get(json_object_get(op->cfg.prev_result, "interfaces"),
			   (size_t)index),
	    "mac"));
	if (want && strcasecmp(want, cni_mac_format(link.mac, mac))) {
		cni_err_set(err, CNI_ERR_CHECK, "%s has MAC %s, prevResult %s",
			    env->ifname, mac, want);
		goto close_pin;
	}
	if (check_addrs(op, ns, link.ifindex, index, err))
		goto close_pin;
	if (op->cfg.ipam &&
	    ipam_call(op, "CHECK", env->container_id, env->ifname, NULL, err))
		goto close_pin;
	ret = 0;
close_pin:
	if (pin >= 0)
		close(pin);
	close(ns);
unlock:
	close(lock);
	return ret;
}

static int cmd_status(struct op *op, struct cni_err *err)
{
	if (cni_vflagd_status(&op->cfg, err))
		return -1;
	if (!op->cfg.ipam)
		return 0;
	if (ipam_version(op, err)) {
		/* STATUS speaks only in 50 and 51 (SPEC.md). */
		err->code = CNI_ERR_UNAVAILABLE;
		return -1;
	}
	/* STATUS exists from 1.1.0 on; an older IPAM has nothing to say. */
	if (cni_version_cmp(op->ipam_version, "1.1.0") < 0)
		return 0;
	return ipam_call(op, "STATUS", NULL, NULL, NULL, err);
}

struct gc_walk {
	struct op *op;
	bool ipam_gc;	     /* IPAM does GC itself */
	struct cni_err *err; /* the first failure */
	unsigned released;
};

static int gc_one(const struct cni_record *rec, void *ctx)
{
	struct gc_walk *w = ctx;
	struct cni_err e;

	if (cni_config_attachment_valid(&w->op->cfg, rec->container_id,
					rec->ifname))
		return 0;
	if (vf_release(w->op, rec, &e) ||
	    (w->op->cfg.ipam && !w->ipam_gc &&
	     ipam_call(w->op, "DEL", rec->container_id, rec->ifname, NULL,
		       &e))) {
		if (!w->err->code)
			*w->err = e;
		return 0;
	}
	cni_record_remove(w->op->cfg.data_dir, w->op->cfg.name,
			  rec->container_id, rec->ifname);
	w->released++;
	return 0;
}

static int cmd_gc(struct op *op, struct cni_err *err)
{
	struct gc_walk w = {.op = op, .err = err};
	int lock, ret;

	err->code = 0;
	if (op->cfg.ipam) {
		if (ipam_version(op, err))
			return -1;
		w.ipam_gc = cni_version_cmp(op->ipam_version, "1.1.0") >= 0;
	}
	lock = cni_lock(op->cfg.socket);
	if (lock < 0)
		return cni_err_set(err, CNI_ERR_IO,
				   "cannot take the lock next to %s: %s",
				   op->cfg.socket, strerror(-lock));
	ret = cni_record_foreach(op->cfg.data_dir, op->cfg.name, gc_one, &w);
	close(lock);
	if (ret && !err->code)
		cni_err_set(err, CNI_ERR_IO, "cannot list %s/%s: %s",
			    op->cfg.data_dir, op->cfg.name, strerror(-ret));
	if (err->code)
		return -1;
	if (w.ipam_gc)
		return ipam_call(op, "GC", NULL, NULL, NULL, err);
	return 0;
}

/* VERSION reads only "cniVersion", and answers even without one. */
static int cmd_version(const char *conf, size_t len, json_t **out,
		       struct cni_err *err)
{
	json_t *root = json_loadb(conf, len, 0, NULL);
	const char *v = json_string_value(json_object_get(root, "cniVersion"));

	*out = cni_version_json(cni_version_supported(v) ? v : "1.1.0");
	json_decref(root);
	if (!*out)
		return cni_err_set(err, CNI_ERR_INTERNAL, "out of memory");
	return 0;
}

int cni_plugin_run(const struct cni_env *env, const char *conf, size_t len,
		   const char *socket_env, json_t **out, struct cni_err *err)
{
	struct op op = {.env = env};
	int ret;

	*out = NULL;
	if (env->cmd == CNI_CMD_VERSION)
		return cmd_version(conf, len, out, err);
	if (cni_config_parse(conf, len, env, socket_env, &op.cfg, err))
		return -1;
	switch (env->cmd) {
	case CNI_CMD_ADD:
		ret = cmd_add(&op, out, err);
		break;
	case CNI_CMD_DEL:
		ret = cmd_del(&op, err);
		break;
	case CNI_CMD_CHECK:
		ret = cmd_check(&op, err);
		break;
	case CNI_CMD_STATUS:
		ret = cmd_status(&op, err);
		break;
	case CNI_CMD_GC:
		ret = cmd_gc(&op, err);
		break;
	default:
		ret = cni_err_set(err, CNI_ERR_ENV, "unknown command");
	}
	cni_config_free(&op.cfg);
	return ret;
}
