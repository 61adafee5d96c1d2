// SPDX-License-Identifier: MIT
#include "plane/xdp/xdp_link.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/ethtool.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/veth.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/netlink.h"
#include "lib/tun.h"

#define NL_BUF 8192

int wgx_veth_create(const char *name, const char *peer, unsigned int mtu)
{
	char buf[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlattr *info, *data, *p;
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	p = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer's attributes follow its own struct ifinfomsg. */
	memset(mnl_nlmsg_get_payload_tail(nlh), 0, sizeof(struct ifinfomsg));
	nlh->nlmsg_len += MNL_ALIGN(sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return wgx_nl_talk(nlh, NULL, NULL);
}

int wgx_link_delete(const char *name)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = RTM_DELLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return wgx_nl_talk(nlh, NULL, NULL);
}

int wgx_link_set_flags(const char *name, bool noarp, bool up)
{
	struct ifreq ifr = { 0 };
	int ret = wgx_link_ioctl(name, SIOCGIFFLAGS, &ifr);

	if (ret)
		return ret;
	if (noarp)
		ifr.ifr_flags |= IFF_NOARP;
	if (up)
		ifr.ifr_flags |= IFF_UP;
	return wgx_link_ioctl(name, SIOCSIFFLAGS, &ifr);
}

int wgx_link_tx_csum_off(const char *name)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_STXCSUM, .data = 0 };
	struct ifreq ifr = { .ifr_data = (void *)&ev };

	return wgx_link_ioctl(name, SIOCETHTOOL, &ifr);
}

int wgx_link_mac(const char *name, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	int ret = wgx_link_ioctl(name, SIOCGIFHWADDR, &ifr);

	if (!ret)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return ret;
}

unsigned int wgx_link_rx_queues(const char *name)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr = { .ifr_data = (void *)&ch };
	unsigned int n;

	if (wgx_link_ioctl(name, SIOCETHTOOL, &ifr))
		return 1;
	n = ch.rx_count + ch.combined_count;
	return n ? n : 1;
}

bool wgx_link_is_veth(const char *name)
{
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { .ifr_data = (void *)&di };

	return !wgx_link_ioctl(name, SIOCETHTOOL, &ifr) && !strcmp(di.driver, "veth");
}

struct route_reply {
	int family;
	int ifindex;
	uint8_t type;			/* RTN_* */
	bool has_gw, has_src, found;
	uint8_t gw[16], src[16];
	uint8_t mac[6];
	uint16_t state;
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_reply *r = data;
	size_t alen = r->family == AF_INET6 ? 16 : 4;
	struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	r->found = true;
	r->type = ((const struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_type;
	mnl_attr_for_each(a, nlh, sizeof(struct rtmsg)) {
		switch (mnl_attr_get_type(a)) {
		case RTA_OIF:
			r->ifindex = (int)mnl_attr_get_u32(a);
			break;
		case RTA_GATEWAY:
			if (mnl_attr_get_payload_len(a) == alen) {
				memcpy(r->gw, mnl_attr_get_payload(a), alen);
				r->has_gw = true;
			}
			break;
		case RTA_PREFSRC:
			if (mnl_attr_get_payload_len(a) == alen) {
				memcpy(r->src, mnl_attr_get_payload(a), alen);
				r->has_src = true;
			}
			break;
		}
	}
	return MNL_CB_OK;
}

static int neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_reply *r = data;
	struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWNEIGH)
		return MNL_CB_OK;
	r->state = ndm->ndm_state;
	mnl_attr_for_each(a, nlh, sizeof(*ndm)) {
		if (mnl_attr_get_type(a) == NDA_LLADDR && mnl_attr_get_payload_len(a) == 6) {
			memcpy(r->mac, mnl_attr_get_payload(a), 6);
			r->found = true;
		}
	}
	return MNL_CB_OK;
}

/* RTM_GETROUTE for @dst (from @src when not NULL, as a socket marked @mark) into @r. */
static int route_get(int family, const void *dst, const void *src, uint32_t mark,
		     struct route_reply *r)
{
	size_t alen = family == AF_INET6 ? 16 : 4;
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;
	int ret;

	/* The ack ends the exchange after the single (non-multipart) reply. */
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)family;
	rtm->rtm_dst_len = (unsigned char)(alen * 8);
	mnl_attr_put(nlh, RTA_DST, alen, dst);
	if (src) {
		rtm->rtm_src_len = (unsigned char)(alen * 8);
		mnl_attr_put(nlh, RTA_SRC, alen, src);
	}
	/* wg-quick's full tunnel routes everything but marked packets into the tunnel. */
	if (mark)
		mnl_attr_put_u32(nlh, RTA_MARK, mark);
	*r = (struct route_reply){ .family = family };
	ret = wgx_nl_talk(nlh, route_cb, r);
	if (ret == -ENETUNREACH || ret == -EHOSTUNREACH || (!ret && !r->found))
		return -EHOSTUNREACH;
	return ret;
}

/* @addr is one of this host's addresses: routing it ends in the local table. */
static bool addr_is_local(int family, const void *addr)
{
	struct route_reply r;

	return !route_get(family, addr, NULL, 0, &r) && r.type == RTN_LOCAL;
}

int wgx_route_nexthop(int family, const void *dst, const void *src, uint32_t mark,
		      struct wgx_nexthop *nh)
{
	size_t alen = family == AF_INET6 ? 16 : 4;
	struct route_reply r;
	char buf[256];
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;
	int ret;

	if (src && !addr_is_local(family, src))
		src = NULL;
	ret = route_get(family, dst, src, mark, &r);
	if (ret)
		return ret;
	nh->ifindex = r.ifindex;
	if (src)
		memcpy(&nh->src6, src, alen);
	else if (r.has_src)
		memcpy(&nh->src6, r.src, alen);
	else
		return -EHOSTUNREACH; /* no source address to send from */

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = (unsigned char)family;
	ndm->ndm_ifindex = r.ifindex;
	mnl_attr_put(nlh, NDA_DST, alen, r.has_gw ? r.gw : dst);
	r.found = false;
	ret = wgx_nl_talk(nlh, neigh_cb, &r);
	if (ret == -ENOENT || (!ret && !r.found))
		return -EAGAIN;
	if (ret)
		return ret;
	if (!(r.state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT |
			 NUD_NOARP)))
		return -EAGAIN;
	memcpy(nh->mac, r.mac, 6);
	return 0;
}

struct addr_dump {
	int (*cb)(void *ctx, int family, const uint8_t *addr, int ifindex);
	void *ctx;
	int ret;
};

static int addr_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type == IFA_LOCAL || type == IFA_ADDRESS)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	struct addr_dump *d = data;
	const struct nlattr *a;
	size_t alen = ifa->ifa_family == AF_INET ? 4 : 16;

	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, tb);
	/* IFA_LOCAL is the address itself; IFA_ADDRESS the peer's on point-to-point. */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || mnl_attr_get_payload_len(a) != alen)
		return MNL_CB_OK;
	d->ret = d->cb(d->ctx, ifa->ifa_family, mnl_attr_get_payload(a), (int)ifa->ifa_index);
	return d->ret ? MNL_CB_STOP : MNL_CB_OK;
}

int wgx_local_addrs_dump(int (*cb)(void *ctx, int family, const uint8_t *addr, int ifindex),
			 void *ctx)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	struct addr_dump d = { cb, ctx, 0 };
	int ret;

	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	ret = wgx_nl_talk(nlh, addr_cb, &d);
	return d.ret ? d.ret : ret < 0 ? ret : 0;
}

int wgx_route_monitor_open(void)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_LINK | RTMGRP_NEIGH | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE |
			     RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
	};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

bool wgx_route_monitor_drain(int fd, bool *addrs)
{
	char buf[NL_BUF];
	bool any = false;

	*addrs = false;
	/* Overruns (ENOBUFS) also mean "something changed". */
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == ENOBUFS) {
			any = *addrs = true;
			continue;
		}
		if (n <= 0)
			return any;
		any = true;
		int left = (int)n;

		for (const struct nlmsghdr *h = (const void *)buf; mnl_nlmsg_ok(h, left);
		     h = mnl_nlmsg_next(h, &left))
			if (h->nlmsg_type == RTM_NEWADDR || h->nlmsg_type == RTM_DELADDR)
				*addrs = true;
	}
}
