/* The kernel bridge, offloaded: see bridge_offload.h.
 *
 * The model is three lists: links (bridges and their ports), the FDB
 * entries on ports, and the rules installed. Rules are a function of the
 * first two; bridge_offload_sync() computes what they should be and
 * installs or removes the difference, so no event handler has to know
 * which rules an event touches. The lists are small (the ports of a host
 * and the addresses behind them), the sync quadratic in the entries of
 * one bridge. */
#include "bridge/bridge_offload.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_bridge.h>

#include "common/log.h"

#define BRO_TAG "bridge"
#define BRO_AGEING_DEFAULT_CS 30000 /* the bridge's own default, 300 s */

struct bro_link {
	int ifindex;
	int master;
	bool is_bridge;
	uint32_t ageing_cs;
	int port_state; /* -1: not reported yet */
	bool up;
};

struct bro_entry {
	int bridge;
	int port;
	uint8_t mac[6];
	bool marked;	   /* extern_learn in the bridge */
	bool seen;	   /* in the current dump */
	uint64_t since_ns; /* learned, moved or marked */
};

struct bro_installed {
	struct bro_rule rule;
	uint32_t handle;
	bool in_hw;
	bool keep; /* wanted by the sync in progress */
};

struct bridge_offload {
	const struct bridge_offload_ops *ops;
	void *ctx;
	struct bro_link *links;
	size_t nlinks, caplinks;
	struct bro_entry *entries;
	size_t nentries, capentries;
	struct bro_installed *rules;
	size_t nrules, caprules;
	uint64_t aged, moves, over_limit;
};

/* Grows *arr (of *cap elements of size sz) to hold one more. */
static int grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, ncap * sz);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

struct bridge_offload *
bridge_offload_create(const struct bridge_offload_ops *ops, void *ctx)
{
	struct bridge_offload *bo = calloc(1, sizeof(*bo));

	if (!bo)
		return NULL;
	bo->ops = ops;
	bo->ctx = ctx;
	return bo;
}

void bridge_offload_destroy(struct bridge_offload *bo)
{
	if (!bo)
		return;
	for (size_t i = 0; i < bo->nrules; i++)
		bo->ops->rule_del(bo->ctx, bo->rules[i].handle);
	bridge_offload_release(bo);
}

void bridge_offload_release(struct bridge_offload *bo)
{
	if (!bo)
		return;
	free(bo->links);
	free(bo->entries);
	free(bo->rules);
	free(bo);
}

static struct bro_link *link_find(struct bridge_offload *bo, int ifindex)
{
	for (size_t i = 0; i < bo->nlinks; i++)
		if (bo->links[i].ifindex == ifindex)
			return &bo->links[i];
	return NULL;
}

void bridge_offload_link(struct bridge_offload *bo,
			 const struct nl_brlink_event *ev)
{
	struct bro_link *l = link_find(bo, ev->ifindex);

	if (ev->deleted) {
		if (l)
			*l = bo->links[--bo->nlinks];
		return;
	}
	if (!l) {
		if (grow((void **)&bo->links, &bo->caplinks, bo->nlinks,
			 sizeof(*l))) {
			LOG_WARN(BRO_TAG, "link %d: out of memory",
				 ev->ifindex);
			return;
		}
		l = &bo->links[bo->nlinks++];
		memset(l, 0, sizeof(*l));
		l->ifindex = ev->ifindex;
		l->port_state = -1;
	}
	if (l->master != ev->master)
		l->port_state = -1; /* a new bridge says anew */
	l->master = ev->master;
	if (ev->port_state >= 0)
		l->port_state = ev->port_state;
	if (ev->bridge_family)
		return; /* the bridge's report on a port has no more */
	l->up = ev->admin_up;
	l->is_bridge = ev->is_bridge;
	if (ev->ageing_cs)
		l->ageing_cs = ev->ageing_cs;
}

static struct bro_entry *entry_find(struct bridge_offload *bo, int bridge,
				    const uint8_t mac[6])
{
	for (size_t i = 0; i < bo->nentries; i++)
		if (bo->entries[i].bridge == bridge &&
		    !memcmp(bo->entries[i].mac, mac, 6))
			return &bo->entries[i];
	return NULL;
}

void bridge_offload_fdb(struct bridge_offload *bo,
			const struct nl_fdb_event *ev, uint64_t now_ns)
{
	struct bro_entry *e;

	/* Only the bridge's learned (or user-added) entries on its ports
	 * in VLAN 0: not a port's own address, not a device's own table. */
	if (ev->self || ev->local || ev->vlan || !ev->master ||
	    ev->port == ev->master)
		return;
	e = entry_find(bo, ev->master, ev->mac);
	if (ev->deleted) {
		if (e && e->port == ev->port)
			*e = bo->entries[--bo->nentries];
		return;
	}
	if (!e) {
		if (grow((void **)&bo->entries, &bo->capentries, bo->nentries,
			 sizeof(*e))) {
			LOG_WARN(BRO_TAG, "fdb entry: out of memory");
			return;
		}
		e = &bo->entries[bo->nentries++];
		memset(e, 0, sizeof(*e));
		e->bridge = ev->master;
		memcpy(e->mac, ev->mac, 6);
		e->port = ev->port;
		e->since_ns = now_ns;
	} else if (e->port != ev->port) {
		bo->moves++;
		e->port = ev->port;
		e->since_ns = now_ns;
	}
	/* A move clears extern_learn in the kernel: the event says. */
	e->marked = ev->ext_learned;
	e->seen = true;
}

void bridge_offload_dump_begin(struct bridge_offload *bo)
{
	for (size_t i = 0; i < bo->nentries; i++)
		bo->entries[i].seen = false;
}

void bridge_offload_dump_end(struct bridge_offload *bo)
{
	for (size_t i = 0; i < bo->nentries;) {
		if (!bo->entries[i].seen)
			bo->entries[i] = bo->entries[--bo->nentries];
		else
			i++;
	}
}

/* A port of ours in a bridge, forwarding: where rules may go. */
static bool port_usable(struct bridge_offload *bo, int ifindex, int bridge,
			struct bro_port *out)
{
	const struct bro_link *l = link_find(bo, ifindex);

	if (!l || l->master != bridge || !l->up)
		return false;
	if (l->port_state >= 0 && l->port_state != BR_STATE_FORWARDING)
		return false;
	return bo->ops->resolve(bo->ctx, ifindex, out);
}

/* A representor of ours, in a bridge or not. */
static bool port_ours(struct bridge_offload *bo, int ifindex)
{
	struct bro_port p;

	return bo->ops->resolve(bo->ctx, ifindex, &p);
}

static bool rule_equal(const struct bro_rule *a, const struct bro_rule *b)
{
	return a->in_port == b->in_port && a->match_src == b->match_src &&
	       (!a->match_src || !memcmp(a->src, b->src, 6)) &&
	       !memcmp(a->dst, b->dst, 6) && a->out.kind == b->out.kind &&
	       !strcmp(a->out.name, b->out.name) &&
	       a->out.out_ifindex == b->out.out_ifindex &&
	       a->out.out_port_id == b->out.out_port_id;
}

static void want(struct bridge_offload *bo, const struct bro_rule *r)
{
	struct bro_installed *in;
	uint32_t handle;
	bool in_hw;

	for (size_t i = 0; i < bo->nrules; i++) {
		if (rule_equal(&bo->rules[i].rule, r)) {
			bo->rules[i].keep = true;
			return;
		}
	}
	if (bo->nrules >= BRIDGE_OFFLOAD_MAX_RULES ||
	    grow((void **)&bo->rules, &bo->caprules, bo->nrules, sizeof(*in))) {
		bo->over_limit++;
		return;
	}
	if (bo->ops->rule_add(bo->ctx, r, &handle, &in_hw))
		return; /* refused: the slow path carries it */
	in = &bo->rules[bo->nrules++];
	in->rule = *r;
	in->handle = handle;
	in->in_hw = in_hw;
	in->keep = true;
}

/* The rules entry d (on port p) is the destination of. */
static void want_to(struct bridge_offload *bo, const struct bro_entry *d,
		    const struct bro_port *p)
{
	struct bro_rule r = {.out = *p};

	memcpy(r.dst, d->mac, 6);
	/* From the wire: any source. */
	if (p->kind == BRO_PORT_VF) {
		for (size_t i = 0; i < bo->nlinks; i++) {
			struct bro_port q;

			if (bo->links[i].ifindex == d->port ||
			    !port_usable(bo, bo->links[i].ifindex, d->bridge,
					 &q) ||
			    q.kind != BRO_PORT_LAG)
				continue;
			memcpy(r.in_dev, q.name, sizeof(r.in_dev));
			r.in_port = q.flow_port;
			r.match_src = false;
			want(bo, &r);
		}
	}
	/* From a VF: each of its learned sources. */
	for (size_t i = 0; i < bo->nentries; i++) {
		const struct bro_entry *s = &bo->entries[i];
		struct bro_port q;

		if (s->bridge != d->bridge || s->port == d->port ||
		    !port_usable(bo, s->port, s->bridge, &q) ||
		    q.kind != BRO_PORT_VF)
			continue;
		memcpy(r.in_dev, q.name, sizeof(r.in_dev));
		r.in_port = q.flow_port;
		r.match_src = true;
		memcpy(r.src, s->mac, 6);
		want(bo, &r);
	}
}

static bool entry_used(const struct bridge_offload *bo,
		       const struct bro_entry *e)
{
	for (size_t i = 0; i < bo->nrules; i++) {
		const struct bro_rule *r = &bo->rules[i].rule;

		if (!bo->rules[i].in_hw)
			continue;
		if (!memcmp(r->dst, e->mac, 6) ||
		    (r->match_src && !memcmp(r->src, e->mac, 6)))
			return true;
	}
	return false;
}

/* Installs and removes rules until they are what the entries ask. */
static void sync_rules(struct bridge_offload *bo)
{
	for (size_t i = 0; i < bo->nrules; i++)
		bo->rules[i].keep = false;
	for (size_t i = 0; i < bo->nentries; i++) {
		const struct bro_entry *d = &bo->entries[i];
		struct bro_port p;

		if (port_usable(bo, d->port, d->bridge, &p))
			want_to(bo, d, &p);
	}
	for (size_t i = 0; i < bo->nrules;) {
		if (!bo->rules[i].keep) {
			bo->ops->rule_del(bo->ctx, bo->rules[i].handle);
			bo->rules[i] = bo->rules[--bo->nrules];
		} else {
			i++;
		}
	}
	for (size_t i = 0; i < bo->nrules; i++)
		bo->rules[i].in_hw =
		    bo->ops->rule_in_hw(bo->ctx, bo->rules[i].handle);
}

void bridge_offload_sync(struct bridge_offload *bo, uint64_t now_ns)
{
	bool returned = false;

	sync_rules(bo);
	for (size_t i = 0; i < bo->nentries;) {
		struct bro_entry *e = &bo->entries[i];
		bool used = entry_used(bo, e);

		if (!e->marked && used &&
		    bo->ops->fdb_ext_learn(bo->ctx, e->port, e->mac) == 0) {
			e->marked = true;
			e->since_ns = now_ns;
		} else if (e->marked && !used && port_ours(bo, e->port)) {
			/* Its traffic is the bridge's to see again: let it
			 * learn the address anew and age it itself. */
			bo->ops->fdb_del(bo->ctx, e->port, e->mac);
			*e = bo->entries[--bo->nentries];
			returned = true;
			continue;
		}
		i++;
	}
	if (returned)
		sync_rules(bo); /* the rules of the entries returned go */
}

static uint64_t ageing_ns(struct bridge_offload *bo, int bridge)
{
	const struct bro_link *l = link_find(bo, bridge);
	uint32_t cs = l && l->ageing_cs ? l->ageing_cs : BRO_AGEING_DEFAULT_CS;

	return (uint64_t)cs * 10000000ull;
}

/* The last time traffic used entry e through a rule (or when it was
 * marked, if later). */
static uint64_t entry_last_used(struct bridge_offload *bo,
				const struct bro_entry *e)
{
	uint64_t last = e->since_ns;

	for (size_t i = 0; i < bo->nrules; i++) {
		const struct bro_rule *r = &bo->rules[i].rule;
		uint64_t t;

		if (memcmp(r->dst, e->mac, 6) &&
		    !(r->match_src && !memcmp(r->src, e->mac, 6)))
			continue;
		t = bo->ops->rule_last_used(bo->ctx, bo->rules[i].handle);
		if (t > last)
			last = t;
	}
	return last;
}

uint64_t bridge_offload_age(struct bridge_offload *bo, uint64_t now_ns)
{
	uint64_t next = 0;
	bool removed = false;

	for (size_t i = 0; i < bo->nentries;) {
		struct bro_entry *e = &bo->entries[i];
		uint64_t expiry;

		if (!e->marked) {
			i++;
			continue;
		}
		expiry = entry_last_used(bo, e) + ageing_ns(bo, e->bridge);
		if (expiry > now_ns) {
			if (!next || expiry < next)
				next = expiry;
			i++;
			continue;
		}
		/* Gone from the bridge (or already gone): ours to forget;
		 * the bridge's RTM_DELNEIGH then finds nothing. */
		bo->ops->fdb_del(bo->ctx, e->port, e->mac);
		bo->aged++;
		*e = bo->entries[--bo->nentries];
		removed = true;
	}
	if (removed)
		bridge_offload_sync(bo, now_ns);
	return next;
}

void bridge_offload_status(const struct bridge_offload *bo,
			   struct bridge_offload_status *st)
{
	memset(st, 0, sizeof(*st));
	for (size_t i = 0; i < bo->nlinks; i++)
		st->bridges += bo->links[i].is_bridge;
	st->entries = (unsigned)bo->nentries;
	st->rules = (unsigned)bo->nrules;
	for (size_t i = 0; i < bo->nrules; i++)
		st->rules_hw += bo->rules[i].in_hw;
	for (size_t i = 0; i < bo->nentries; i++)
		st->marked += bo->entries[i].marked;
	st->aged = bo->aged;
	st->moves = bo->moves;
	st->over_limit = bo->over_limit;
}
