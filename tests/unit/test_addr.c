/* core/addr.c: parsing, formatting, masking, containment and ordering of
 * IPv4 and IPv6 addresses and prefixes. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "addr.h"
#include "testutil.h"

static void parse_format_roundtrip(void **state)
{
	static const char *const ok[] = {
		"0.0.0.0/0",	 "10.0.0.0/8", "192.168.1.0/24",  "255.255.255.255/32", "::/0",
		"2001:db8::/32", "fe80::/64",  "2001:db8::1/128", "::ffff:0.0.0.0/96"
	};
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct rtw_prefix p;

		assert_int_equal(rtw_prefix_parse(ok[i], &p), 0);
		assert_int_equal(rtw_prefix_format(&p, buf, sizeof(buf)), (int)strlen(ok[i]));
		assert_string_equal(buf, ok[i]);
	}
}

static void bare_address_is_host_prefix(void **state)
{
	struct rtw_prefix p;

	assert_int_equal(rtw_prefix_parse("10.1.2.3", &p), 0);
	assert_int_equal(p.addr.family, AF_INET);
	assert_int_equal(p.len, 32);
	assert_int_equal(rtw_prefix_parse("2001:db8::5", &p), 0);
	assert_int_equal(p.addr.family, AF_INET6);
	assert_int_equal(p.len, 128);
}

static void bad_input_rejected(void **state)
{
	static const char *const bad[] = {
		"", "x", "10.0.0.0/33", "10.0.0.1/8", "10.0.0/8", "::/129", "2001:db8::1/64",
		"10.0.0.0/", "10.0.0.0/a", "10.0.0.0/-1", "1.2.3.4.5", "10.0.0.0/08x", "/24",
		/* ip(8) reads 010 as octal 8, 08 as an error: no guessing */
		"10.0.0.0/08", "10.0.0.0/010", "::/00"
	};
	struct rtw_prefix p;
	struct rtw_addr a;
	size_t i;

	memset(&p, 0x5a, sizeof(p));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(rtw_prefix_parse(bad[i], &p), -EINVAL);
	/* ret_* untouched on failure */
	assert_int_equal(p.len, 0x5a);
	assert_int_equal(rtw_addr_parse("10.0.0.0/8", &a), -EINVAL);
	assert_int_equal(rtw_addr_parse(NULL, &a), -EINVAL);
	assert_int_equal(rtw_prefix_parse("10.0.0.0/8", NULL), -EINVAL);
}

static void format_errors(void **state)
{
	struct rtw_addr a = { 0 };
	struct rtw_prefix p;
	char small[4];

	assert_int_equal(rtw_addr_format(&a, small, sizeof(small)), -EINVAL);
	assert_int_equal(rtw_prefix_parse("192.168.100.0/24", &p), 0);
	assert_int_equal(rtw_prefix_format(&p, small, sizeof(small)), -ENOSPC);
}

static void masking(void **state)
{
	struct rtw_prefix p;
	char buf[64];

	assert_int_equal(rtw_addr_parse("10.255.255.255", &p.addr), 0);
	p.len = 9;
	prefix_mask(&p);
	rtw_prefix_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, "10.128.0.0/9");

	assert_int_equal(rtw_addr_parse("2001:db8:ffff:ffff::1", &p.addr), 0);
	p.len = 35;
	prefix_mask(&p);
	rtw_prefix_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8:e000::/35");
}

static void containment(void **state)
{
	struct rtw_prefix p;
	struct rtw_addr a, lo, hi;
	char buf[64];

	assert_int_equal(rtw_prefix_parse("10.0.0.0/15", &p), 0);
	rtw_addr_parse("10.1.255.255", &a);
	assert_true(prefix_contains(&p, &a));
	rtw_addr_parse("10.2.0.0", &a);
	assert_false(prefix_contains(&p, &a));
	rtw_addr_parse("::ffff:10.1.0.0", &a); /* other family */
	assert_false(prefix_contains(&p, &a));
	prefix_range(&p, &lo, &hi);
	rtw_addr_format(&hi, buf, sizeof(buf));
	assert_string_equal(buf, "10.1.255.255");
	rtw_addr_format(&lo, buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.0");

	assert_int_equal(rtw_prefix_parse("::/0", &p), 0);
	rtw_addr_parse("2001:db8::1", &a);
	assert_true(prefix_contains(&p, &a));
	assert_int_equal(rtw_prefix_parse("2001:db8::/127", &p), 0);
	rtw_addr_parse("2001:db8::1", &a);
	assert_true(prefix_contains(&p, &a));
	rtw_addr_parse("2001:db8::2", &a);
	assert_false(prefix_contains(&p, &a));
}

static void ordering(void **state)
{
	struct rtw_prefix a, b, c, d;

	rtw_prefix_parse("10.0.0.0/8", &a);
	rtw_prefix_parse("10.0.0.0/16", &b);
	rtw_prefix_parse("11.0.0.0/8", &c);
	rtw_prefix_parse("::/0", &d);
	assert_true(prefix_cmp(&a, &b) < 0);
	assert_true(prefix_cmp(&b, &c) < 0);
	assert_true(prefix_cmp(&c, &d) < 0); /* AF_INET sorts before AF_INET6 */
	assert_int_equal(prefix_cmp(&a, &a), 0);
	assert_true(addr_eq(&a.addr, &b.addr));
	assert_false(addr_eq(&a.addr, &c.addr));
}

static void from_sockaddr(void **state)
{
	struct sockaddr_in6 s6 = { 0 };
	struct sockaddr_in s4 = { 0 };
	struct sockaddr sa = { 0 };
	struct rtw_addr a;
	char buf[64];

	s6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:192.0.2.7", &s6.sin6_addr);
	assert_int_equal(addr_from_sockaddr((struct sockaddr *)&s6, &a), 0);
	assert_int_equal(a.family, AF_INET);
	rtw_addr_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.7");

	inet_pton(AF_INET6, "2001:db8::9", &s6.sin6_addr);
	assert_int_equal(addr_from_sockaddr((struct sockaddr *)&s6, &a), 0);
	assert_int_equal(a.family, AF_INET6);

	s4.sin_family = AF_INET;
	s4.sin_addr.s_addr = htonl(0x7f000001);
	assert_int_equal(addr_from_sockaddr((struct sockaddr *)&s4, &a), 0);
	rtw_addr_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, "127.0.0.1");

	sa.sa_family = AF_UNIX;
	assert_int_equal(addr_from_sockaddr(&sa, &a), -EAFNOSUPPORT);
	assert_int_equal(addr_from_sockaddr(NULL, &a), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_format_roundtrip),
		cmocka_unit_test(bare_address_is_host_prefix),
		cmocka_unit_test(bad_input_rejected),
		cmocka_unit_test(format_errors),
		cmocka_unit_test(masking),
		cmocka_unit_test(containment),
		cmocka_unit_test(ordering),
		cmocka_unit_test(from_sockaddr),
	};

	test_output_tap();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
