/* Attachment records and the per-vflagd lock. */
#include "cni/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkdir -p for an absolute or relative path. */
static int mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

int cni_lock(const char *socket)
{
	char path[4096];
	const char *slash = strrchr(socket, '/');
	int fd, ret;

	if (slash)
		snprintf(path, sizeof(path), "%.*s", (int)(slash - socket),
			 socket);
	else
		snprintf(path, sizeof(path), ".");
	if (path[0]) {
		ret = mkdir_p(path, 0755);
		if (ret)
			return ret;
	}
	if (strlen(path) + sizeof("/" CNI_LOCK_NAME) > sizeof(path))
		return -ENAMETOOLONG;
	strcat(path, "/" CNI_LOCK_NAME);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX)) {
		if (errno != EINTR) {
			ret = -errno;
			close(fd);
			return ret;
		}
	}
	return fd;
}

static int record_path(char *buf, size_t len, const char *data_dir,
		       const char *network, const char *container_id,
		       const char *ifname)
{
	int n;

	if (ifname)
		n = snprintf(buf, len, "%s/%s/%s:%s", data_dir, network,
			     container_id, ifname);
	else
		n = snprintf(buf, len, "%s/%s", data_dir, network);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int cni_record_save(const char *data_dir, const char *network,
		    const struct cni_record *r)
{
	char dir[4096], path[4096], tmp[4200];
	const struct cni_vf_settings *os = &r->orig;
	json_t *o;
	int ret;

	if (record_path(dir, sizeof(dir), data_dir, network, NULL, NULL) ||
	    record_path(path, sizeof(path), data_dir, network, r->container_id,
			r->ifname))
		return -ENAMETOOLONG;
	ret = mkdir_p(dir, 0700);
	if (ret)
		return ret;
	/* -1 and "" in "orig": a setting ADD left alone. */
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i, "
		      "s:{s:i, s:i, s:s, s:i, s:i, s:I, s:s}}",
		      "containerID", r->container_id, "ifname", r->ifname,
		      "netns", r->netns, "pin", r->pin, "pf", r->pf, "vf",
		      (int)r->vf, "vf_ifname", r->vf_ifname, "orig_mac",
		      r->orig_mac, "ifindex", r->ifindex, "orig", "vlan",
		      os->vlan, "qos", os->qos, "proto", os->proto, "spoofchk",
		      os->spoofchk, "trust", os->trust, "max_tx_rate",
		      (json_int_t)os->max_tx_rate, "state", os->state);
	if (!o)
		return -ENOMEM;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	ret = json_dump_file(o, tmp, JSON_COMPACT) ? -EIO : 0;
	json_decref(o);
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

static int copy_str(json_t *o, const char *key, char *dst, size_t len)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (!s || strlen(s) >= len)
		return -EBADMSG;
	strcpy(dst, s);
	return 0;
}

/* The "orig" object; absent in the records of older plugins, which
 * changed no setting. */
static int orig_read(json_t *o, struct cni_vf_settings *s)
{
	const struct {
		const char *key;
		int *dst;
	} ints[] = {
	    {"vlan", &s->vlan},
	    {"qos", &s->qos},
	    {"spoofchk", &s->spoofchk},
	    {"trust", &s->trust},
	};
	json_t *v;

	cni_vf_settings_none(s);
	if (!o)
		return 0;
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		v = json_object_get(o, ints[i].key);
		if (!json_is_integer(v))
			return -EBADMSG;
		*ints[i].dst = (int)json_integer_value(v);
	}
	v = json_object_get(o, "max_tx_rate");
	if (!json_is_integer(v) ||
	    copy_str(o, "proto", s->proto, sizeof(s->proto)) ||
	    copy_str(o, "state", s->state, sizeof(s->state)))
		return -EBADMSG;
	s->max_tx_rate = json_integer_value(v);
	return 0;
}

static int record_read(const char *path, struct cni_record *r)
{
	const struct {
		const char *key;
		char *dst;
		size_t len;
	} strs[] = {
	    {"containerID", r->container_id, sizeof(r->container_id)},
	    {"ifname", r->ifname, sizeof(r->ifname)},
	    {"netns", r->netns, sizeof(r->netns)},
	    {"pin", r->pin, sizeof(r->pin)},
	    {"pf", r->pf, sizeof(r->pf)},
	    {"vf_ifname", r->vf_ifname, sizeof(r->vf_ifname)},
	    {"orig_mac", r->orig_mac, sizeof(r->orig_mac)},
	};
	json_t *o = json_load_file(path, 0, NULL);
	int ret = 0;

	memset(r, 0, sizeof(*r));
	if (!o)
		return access(path, F_OK) ? -errno : -EBADMSG;
	for (size_t i = 0; !ret && i < sizeof(strs) / sizeof(strs[0]); i++)
		ret = copy_str(o, strs[i].key, strs[i].dst, strs[i].len);
	if (!ret && (!json_is_integer(json_object_get(o, "vf")) ||
		     !json_is_integer(json_object_get(o, "ifindex"))))
		ret = -EBADMSG;
	if (!ret) {
		r->vf = (unsigned)json_integer_value(json_object_get(o, "vf"));
		r->ifindex =
		    (int)json_integer_value(json_object_get(o, "ifindex"));
		ret = orig_read(json_object_get(o, "orig"), &r->orig);
	}
	json_decref(o);
	return ret;
}

int cni_record_load(const char *data_dir, const char *network,
		    const char *container_id, const char *ifname,
		    struct cni_record *r)
{
	char path[4096];

	if (record_path(path, sizeof(path), data_dir, network, container_id,
			ifname))
		return -ENAMETOOLONG;
	return record_read(path, r);
}

int cni_record_remove(const char *data_dir, const char *network,
		      const char *container_id, const char *ifname)
{
	char path[4096];

	if (record_path(path, sizeof(path), data_dir, network, container_id,
			ifname))
		return -ENAMETOOLONG;
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return 0;
}

int cni_record_foreach(const char *data_dir, const char *network,
		       int (*cb)(const struct cni_record *r, void *ctx),
		       void *ctx)
{
	char dir[4096], path[8192];
	struct dirent *de;
	int ret = 0;
	DIR *d;

	if (record_path(dir, sizeof(dir), data_dir, network, NULL, NULL))
		return -ENAMETOOLONG;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (!ret && (de = readdir(d))) {
		struct cni_record r;
		size_t n = strlen(de->d_name);

		if (de->d_name[0] == '.' || !strchr(de->d_name, ':') ||
		    (n > 4 && !strcmp(de->d_name + n - 4, ".tmp")))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (record_read(path, &r))
			continue; /* not ours to judge; GC leaves it */
		ret = cb(&r, ctx);
	}
	closedir(d);
	return ret;
}
