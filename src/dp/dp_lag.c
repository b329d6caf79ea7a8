/* The LAGs of the datapath, double-buffered in the mmapped `lags` map
 * (bpf/vflag_dp.h): a change is a write of the copy not in use and one
 * release store that makes it live, with no syscall and so no wait for an
 * RCU grace period. vflagd's control thread is the only writer. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp/dp_impl.h"
#include "eswitch.skel.h"

/* An ARRAY's values are 8-byte aligned in its mmapped area. */
#define SLOT_STRIDE ((sizeof(struct vflag_lag_slot) + 7) & ~(size_t)7)

int dp_lag_map(struct dp *dp)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t len = SLOT_STRIDE * VFLAG_MAX_LAGS;
	void *p;

	len = (len + (size_t)page - 1) & ~((size_t)page - 1);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 bpf_map__fd(dp->skel->maps.lags), 0);
	if (p == MAP_FAILED)
		return -errno;
	dp->lags = p;
	dp->lags_len = len;
	return 0;
}

void dp_lag_unmap(struct dp *dp)
{
	if (dp->lags)
		munmap(dp->lags, dp->lags_len);
	dp->lags = NULL;
}

static struct vflag_lag_slot *slot_of(struct dp *dp, uint32_t slot)
{
	if (slot >= VFLAG_MAX_LAGS || !dp->lags)
		return NULL;
	return (struct vflag_lag_slot *)((char *)dp->lags + slot * SLOT_STRIDE);
}

int dp_lag_stage(struct dp *dp, uint32_t slot, const struct vflag_lag *lag)
{
	struct vflag_lag_slot *s = slot_of(dp, slot);

	if (!s)
		return -EINVAL;
	/* The last flip's store before any of these: a reader still on the
	 * copy we are about to rewrite must see seq move (and retry). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	memcpy(&s->copy[(s->seq + 1) & 1], lag, sizeof(*lag));
	return 0;
}

int dp_lag_flip(struct dp *dp, uint32_t slot)
{
	struct vflag_lag_slot *s = slot_of(dp, slot);

	if (!s)
		return -EINVAL;
	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELEASE);
	return 0;
}

int dp_lag_publish(struct dp *dp, uint32_t slot, const struct vflag_lag *lag)
{
	int ret = dp_lag_stage(dp, slot, lag);

	if (!ret)
		ret = dp_lag_flip(dp, slot);
	if (!ret)
		slot_of(dp, slot)->flags |= VFLAG_LAG_SLOT_F_PUBLISHED;
	return ret;
}

void dp_lag_clear(struct dp *dp, uint32_t slot)
{
	static const struct vflag_lag none;

	/* No member either way: the drops a missing LAG always counted. */
	if (dp_lag_publish(dp, slot, &none) == 0)
		slot_of(dp, slot)->flags &= ~VFLAG_LAG_SLOT_F_PUBLISHED;
}

int dp_lag_read(struct dp *dp, uint32_t slot, struct vflag_lag *lag)
{
	struct vflag_lag_slot *s = slot_of(dp, slot);

	if (!s)
		return -EINVAL;
	if (!(s->flags & VFLAG_LAG_SLOT_F_PUBLISHED))
		return -ENOENT;
	*lag = s->copy[s->seq & 1]; /* we are the writer: no race */
	return 0;
}
