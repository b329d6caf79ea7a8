/* Readiness notification to a service manager: systemd's sd_notify(3)
 * protocol, spoken without libsystemd.
 *
 * The protocol is one datagram of "KEY=VALUE" lines sent to the AF_UNIX
 * socket named by $NOTIFY_SOCKET (a path, or "@name" for the abstract
 * namespace); systemd documents it as a stable interface that may be
 * reimplemented. Without $NOTIFY_SOCKET (not started by systemd with
 * Type=notify) every call is a no-op returning 0.
 *
 * No state: safe from any thread. Each call opens and closes a socket. */
#ifndef VFLAG_COMMON_NOTIFY_H
#define VFLAG_COMMON_NOTIFY_H

/* Sends `state` (e.g. "READY=1\nSTATUS=serving") as is. Returns 0 (also
 * when there is no $NOTIFY_SOCKET) or -errno; -EINVAL for a
 * $NOTIFY_SOCKET that is neither "/path" nor "@name". */
int vflag_notify(const char *state);

/* "READY=1": call once the control socket accepts connections (and the
 * config file was applied), so `systemctl start` returns only then. */
int vflag_notify_ready(void);

/* "STOPPING=1": call when shutdown begins, before a (possibly long)
 * teardown, so systemctl shows "deactivating" rather than "active". */
int vflag_notify_stopping(void);

#endif
