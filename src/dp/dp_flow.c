/* The offload table's maps (flow/flow_table.h's backend on the dp).
 *
 * flow_tables holds one inner HASH per mask slot, created here; the
 * pinned outer map keeps them across restarts, and read_back finds them
 * again by id. Writes follow vflag_dp.h: a slot's table and mask before
 * the list names it (the caller's order), the list before a table goes. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp/dp_impl.h"
#include "eswitch.skel.h"
#include "flow/flow_table.h"

static int mfd(struct dp *dp, struct bpf_map *m)
{
	return bpf_map__fd(m);
}

/* The inner table of slot, opened once. -errno if none. */
static int inner_fd(struct dp *dp, uint32_t slot)
{
	uint32_t id;
	int fd;

	if (slot >= VFLAG_FLOW_MAX_MASKS)
		return -EINVAL;
	if (dp->flow_fd[slot])
		return dp->flow_fd[slot] - 1;
	if (bpf_map_lookup_elem(mfd(dp, dp->skel->maps.flow_tables), &slot,
				&id))
		return -errno;
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	dp->flow_fd[slot] = fd + 1;
	return fd;
}

static void inner_forget(struct dp *dp, uint32_t slot)
{
	if (dp->flow_fd[slot])
		close(dp->flow_fd[slot] - 1);
	dp->flow_fd[slot] = 0;
}

void dp_flow_close(struct dp *dp)
{
	for (uint32_t s = 0; s < VFLAG_FLOW_MAX_MASKS; s++)
		inner_forget(dp, s);
}

static int flow_mask_add(void *ctx, uint32_t slot,
			 const struct vflag_flow_key *mask)
{
	struct dp *dp = ctx;
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	int fd, ret = 0;

	if (slot >= VFLAG_FLOW_MAX_MASKS)
		return -EINVAL;
	inner_forget(dp, slot);
	fd = bpf_map_create(
	    BPF_MAP_TYPE_HASH, "flow_table", sizeof(struct vflag_flow_key),
	    sizeof(struct vflag_flow_act), VFLAG_FLOW_MAX_RULES, &opts);
	if (fd < 0)
		return -errno;
	if (bpf_map_update_elem(mfd(dp, dp->skel->maps.flow_tables), &slot, &fd,
				BPF_ANY) ||
	    bpf_map_update_elem(mfd(dp, dp->skel->maps.flow_masks), &slot, mask,
				BPF_ANY)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	dp->flow_fd[slot] = fd + 1;
	return 0;
}

static void flow_mask_del(void *ctx, uint32_t slot)
{
	struct dp *dp = ctx;

	if (slot >= VFLAG_FLOW_MAX_MASKS)
		return;
	bpf_map_delete_elem(mfd(dp, dp->skel->maps.flow_tables), &slot);
	inner_forget(dp, slot);
}

static int flow_list_set(void *ctx, const struct vflag_flow_mask_list *l)
{
	struct dp *dp = ctx;
	uint32_t zero = 0;

	if (bpf_map_update_elem(mfd(dp, dp->skel->maps.flow_mask_list), &zero,
				l, BPF_ANY))
		return -errno;
	return 0;
}

static int flow_rule_set(void *ctx, uint32_t slot,
			 const struct vflag_flow_key *key,
			 const struct vflag_flow_act *act)
{
	int fd = inner_fd(ctx, slot);

	if (fd < 0)
		return fd;
	if (bpf_map_update_elem(fd, key, act, BPF_ANY))
		return -errno;
	return 0;
}

static void flow_rule_del(void *ctx, uint32_t slot,
			  const struct vflag_flow_key *key)
{
	int fd = inner_fd(ctx, slot);

	if (fd >= 0)
		bpf_map_delete_elem(fd, key);
}

int dp_flow_rule_set_batch(struct dp *dp, uint32_t slot,
			   const struct vflag_flow_key *keys,
			   const struct vflag_flow_act *acts, uint32_t n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
	int fd = inner_fd(dp, slot);
	uint32_t count = n;

	if (fd < 0)
		return fd;
	if (bpf_map_update_batch(fd, keys, acts, &count, &opts))
		return -errno;
	return (int)count;
}

static int flow_stats_read(void *ctx, uint32_t rule_id,
			   struct vflag_flow_stats *st)
{
	struct dp *dp = ctx;

	if (bpf_map_lookup_elem(mfd(dp, dp->skel->maps.flow_stats), &rule_id,
				st))
		return -errno;
	return 0;
}

static int flow_stats_clear(void *ctx, uint32_t rule_id)
{
	struct dp *dp = ctx;
	struct vflag_flow_stats zero = {0};

	if (bpf_map_update_elem(mfd(dp, dp->skel->maps.flow_stats), &rule_id,
				&zero, BPF_ANY))
		return -errno;
	return 0;
}

static int flow_read_back(void *ctx,
			  void (*fn)(void *arg, uint32_t slot,
				     const struct vflag_flow_key *mask,
				     const struct vflag_flow_key *key,
				     const struct vflag_flow_act *act),
			  void *arg)
{
	struct dp *dp = ctx;
	struct vflag_flow_mask_list l;
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(mfd(dp, dp->skel->maps.flow_mask_list), &zero,
				&l))
		return -errno;
	for (uint32_t i = 0; i < l.count && i < VFLAG_FLOW_MAX_MASKS; i++) {
		uint32_t slot = l.slot[i];
		struct vflag_flow_key mask, key, next;
		struct vflag_flow_act act;
		int fd = inner_fd(dp, slot), more;

		if (fd < 0 ||
		    bpf_map_lookup_elem(mfd(dp, dp->skel->maps.flow_masks),
					&slot, &mask))
			continue;
		more = !bpf_map_get_next_key(fd, NULL, &next);
		while (more) {
			key = next;
			more = !bpf_map_get_next_key(fd, &key, &next);
			if (!bpf_map_lookup_elem(fd, &key, &act))
				fn(arg, slot, &mask, &key, &act);
		}
	}
	return 0;
}

const struct flow_table_ops dp_flow_ops = {
    .mask_add = flow_mask_add,
    .mask_del = flow_mask_del,
    .list_set = flow_list_set,
    .rule_set = flow_rule_set,
    .rule_del = flow_rule_del,
    .stats_read = flow_stats_read,
    .stats_clear = flow_stats_clear,
    .read_back = flow_read_back,
};
