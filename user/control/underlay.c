// SPDX-License-Identifier: MIT
#include "control/underlay.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/device.h"
#include "core/peer.h"
#include "lib/netlink.h"

struct best {
	int ifindex;
	uint32_t metric;
	bool any;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, RTA_MAX) >= 0)
		tb[type] = a;
	return MNL_CB_OK;
}

/* The first next hop's interface of a (possibly multipath) route. */
static int route_oif(const struct nlattr **tb)
{
	if (tb[RTA_OIF])
		return (int)mnl_attr_get_u32(tb[RTA_OIF]);
	if (tb[RTA_MULTIPATH] && mnl_attr_get_payload_len(tb[RTA_MULTIPATH]) >= sizeof(struct rtnexthop))
		return ((const struct rtnexthop *)mnl_attr_get_payload(tb[RTA_MULTIPATH]))->rtnh_ifindex;
	return 0;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	struct best *b = data;
	uint32_t table, metric;
	int oif;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*rtm), attr_cb, tb);
	table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	metric = tb[RTA_PRIORITY] ? mnl_attr_get_u32(tb[RTA_PRIORITY]) : 0;
	oif = route_oif(tb);
	/* A dump lists every route: keep the main table's default with the lowest metric. */
	if ((nlh->nlmsg_flags & NLM_F_MULTI) &&
	    (rtm->rtm_dst_len || table != RT_TABLE_MAIN || rtm->rtm_type != RTN_UNICAST))
		return MNL_CB_OK;
	if (oif > 0 && (!b->any || metric < b->metric)) {
		b->ifindex = oif;
		b->metric = metric;
		b->any = true;
	}
	return MNL_CB_OK;
}

static int lookup(int family, const struct sockaddr *dst, uint32_t fwmark, struct best *b)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_GETROUTE;
	/* One route back for a lookup, then (asked for) the ack that ends the talk. */
	nlh->nlmsg_flags = NLM_F_REQUEST | (dst ? NLM_F_ACK : NLM_F_DUMP);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)family;
	if (dst && family == AF_INET) {
		rtm->rtm_dst_len = 32;
		mnl_attr_put(nlh, RTA_DST, 4, &((const struct sockaddr_in *)dst)->sin_addr);
	} else if (dst) {
		rtm->rtm_dst_len = 128;
		mnl_attr_put(nlh, RTA_DST, 16, &((const struct sockaddr_in6 *)dst)->sin6_addr);
	}
	if (dst && fwmark)
		mnl_attr_put_u32(nlh, RTA_MARK, fwmark);
	return wgx_nl_talk(nlh, route_cb, b);
}

int wgx_underlay_pick(const struct sockaddr *endpoint, uint32_t fwmark, char out[IF_NAMESIZE])
{
	struct best b = { 0 };
	int ret;

	if (endpoint && (endpoint->sa_family == AF_INET || endpoint->sa_family == AF_INET6)) {
		ret = lookup(endpoint->sa_family, endpoint, fwmark, &b);
	} else {
		ret = lookup(AF_INET, NULL, 0, &b);
		if (!ret && !b.any)
			ret = lookup(AF_INET6, NULL, 0, &b);
	}
	if (ret)
		return ret;
	if (!b.any)
		return -ENETUNREACH;
	return if_indextoname((unsigned int)b.ifindex, out) ? 0 : -errno;
}

int wgx_underlay_pick_for(const struct wgx_device *dev, char out[IF_NAMESIZE])
{
	const struct sockaddr *ep = NULL;

	for (const struct wgx_peer *p = dev->peers; p && !ep; p = p->next)
		if (p->endpoint.addr.sa.sa_family != AF_UNSPEC)
			ep = &p->endpoint.addr.sa;
	return wgx_underlay_pick(ep, dev->fwmark, out);
}

void wgx_underlay_routes_changed(struct wgx_underlay_watch *u, uint64_t now)
{
	uint64_t due = now + WGX_UNDERLAY_SETTLE_MS * 1000000ull;

	if (!u->pending) {
		u->pending = true;
		u->first_ns = now;
	}
	if (due > u->first_ns + WGX_UNDERLAY_MAX_WAIT_MS * 1000000ull)
		due = u->first_ns + WGX_UNDERLAY_MAX_WAIT_MS * 1000000ull;
	u->due_ns = due;
}

int wgx_underlay_due(struct wgx_underlay_watch *u, uint64_t now)
{
	if (!u->pending)
		return -1;
	if (now < u->due_ns)
		return (int)((u->due_ns - now + 999999) / 1000000);
	u->pending = false;
	return 0;
}
