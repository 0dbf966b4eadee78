/*-------------------------------------------------------------------------
 *
 * test_auth.c
 *		Unit tests of access control: the auth file parser, base64, Basic
 *		credentials against crypt(3) hashes, and password hashing.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "auth.h"
#include "test.h"

/* parse text; returns the table or NULL with the message in err */
static struct gw_auth *
parse(const char *text, char *err)
{
	return auth_parse(text, strlen(text), err, 256);
}

static void
expect_error(const char *text, const char *want)
{
	char		err[256] = "";
	struct gw_auth *a = parse(text, err);

	CHECK(a == NULL && strstr(err, want) != NULL, "a bad file: %s (got \"%s\")", want, err);
	auth_free(a);
}

/* "Basic " + base64(user:password), standard alphabet with padding */
static void
basic(const char *user, const char *pw, char *out)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char		plain[256];
	size_t		n;
	size_t		i;
	char	   *o = out + 6;

	snprintf(plain, sizeof(plain), "%s:%s", user, pw);
	n = strlen(plain);
	memcpy(out, "Basic ", 6);
	for (i = 0; i < n; i += 3)
	{
		unsigned	v = ((unsigned char) plain[i] << 16) |
			(i + 1 < n ? (unsigned char) plain[i + 1] << 8 : 0) |
			(i + 2 < n ? (unsigned char) plain[i + 2] : 0);

		*o++ = tab[(v >> 18) & 63];
		*o++ = tab[(v >> 12) & 63];
		*o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		*o++ = i + 2 < n ? tab[v & 63] : '=';
	}
	*o = '\0';
}

int
main(void)
{
	char		err[256];
	char		hash_a[256];
	char		hash_v[256];
	char		file[1024];
	char		hdr[512];
	char		user[AUTH_MAX_NAME + 1];
	char		out[64];
	size_t		outlen;
	struct gw_auth *a;

	/* hashing */
	CHECK(auth_hash_password("s3cret:with colon", hash_a, sizeof(hash_a)) &&
		  strncmp(hash_a, "$6$", 3) == 0 && strlen(hash_a) > 90, "hashes are $6$ (SHA-512): %s", hash_a);
	CHECK(auth_hash_password("view", hash_v, sizeof(hash_v)), "a second hash");
	{
		char		again[256];

		CHECK(auth_hash_password("view", again, sizeof(again)) && strcmp(again, hash_v) != 0,
			  "the salt is random: two hashes of one password differ");
	}

	/* parsing */
	snprintf(file, sizeof(file),
			 "# users of the gateway\n\nalice:%s:admin\r\nbob.v@example-1:%s:viewer  \n", hash_a, hash_v);
	a = parse(file, err);
	CHECK(a != NULL && a->nusers == 2, "a file with comments, blank lines, CRLF and trailing blanks parses");
	CHECK(a && strcmp(a->users[0].name, "alice") == 0 && a->users[0].role == GW_ROLE_ADMIN &&
		  strcmp(a->users[1].name, "bob.v@example-1") == 0 && a->users[1].role == GW_ROLE_VIEWER,
		  "names and roles");

	/* credentials */
	basic("alice", "s3cret:with colon", hdr);
	CHECK(auth_check(a, hdr, user, sizeof(user)) == GW_ROLE_ADMIN && strcmp(user, "alice") == 0,
		  "the right password (with a colon) is the admin");
	basic("bob.v@example-1", "view", hdr);
	CHECK(auth_check(a, hdr, user, sizeof(user)) == GW_ROLE_VIEWER, "a viewer");
	hdr[0] = 'b';
	hdr[1] = 'A';
	CHECK(auth_check(a, hdr, user, sizeof(user)) == GW_ROLE_VIEWER, "the scheme in any case");
	basic("alice", "s3cret:with colo", hdr);
	CHECK(auth_check(a, hdr, user, sizeof(user)) == GW_ROLE_NONE && user[0] == '\0', "a wrong password");
	basic("alice", "", hdr);
	CHECK(auth_check(a, hdr, user, sizeof(user)) == GW_ROLE_NONE, "an empty password");
	basic("mallory", "view", hdr);
	CHECK(auth_check(a, hdr, user, sizeof(user)) == GW_ROLE_NONE, "an unknown user");
	basic("bob.v@example-1", "view", hdr);
	CHECK(auth_check(NULL, hdr, user, sizeof(user)) == GW_ROLE_NONE, "no table, no user");
	CHECK(auth_check(a, NULL, user, sizeof(user)) == GW_ROLE_NONE, "no header");
	CHECK(auth_check(a, "Bearer abc", user, sizeof(user)) == GW_ROLE_NONE, "another scheme");
	CHECK(auth_check(a, "Basic !!!!", user, sizeof(user)) == GW_ROLE_NONE, "not base64");
	CHECK(auth_check(a, "Basic YWxpY2U=", user, sizeof(user)) == GW_ROLE_NONE, "no colon");
	CHECK(auth_check(a, "Basic YWxpY2UAOng=", user, sizeof(user)) == GW_ROLE_NONE, "a NUL in the credential");
	{
		char		longhdr[2100];

		memcpy(longhdr, "Basic ", 6);
		memset(longhdr + 6, 'A', 2000);
		longhdr[2006] = '\0';
		CHECK(auth_check(a, longhdr, user, sizeof(user)) == GW_ROLE_NONE, "an over-long credential");
	}
	auth_free(a);

	/* base64 */
	CHECK(auth_base64_decode("YWJj", 4, out, sizeof(out), &outlen) && outlen == 3 && strcmp(out, "abc") == 0,
		  "base64 abc");
	CHECK(auth_base64_decode("YQ==", 4, out, sizeof(out), &outlen) && outlen == 1 && out[0] == 'a',
		  "base64 with padding");
	CHECK(auth_base64_decode("YQ", 2, out, sizeof(out), &outlen) && outlen == 1, "base64 without padding");
	CHECK(!auth_base64_decode("Y", 1, out, sizeof(out), &outlen), "a lone base64 character");
	CHECK(!auth_base64_decode("YW Jj", 5, out, sizeof(out), &outlen), "base64 with a space");
	CHECK(!auth_base64_decode("YWJjYWJj", 8, out, 4, &outlen), "base64 that does not fit");

	/* bad files */
	expect_error("", "no users");
	expect_error("# only a comment\n\n", "no users");
	expect_error("alice\n", "line 1: expected name:hash:role");
	snprintf(file, sizeof(file), "alice:%s\n", hash_a);
	expect_error(file, "line 1: expected name:hash:role");
	snprintf(file, sizeof(file), "alice:%s:admin:extra\n", hash_a);
	expect_error(file, "expected name:hash:role");
	snprintf(file, sizeof(file), "\nalice:%s:root\n", hash_a);
	expect_error(file, "line 2: unknown role \"root\"");
	snprintf(file, sizeof(file), "alice:%s:Admin\n", hash_a);
	expect_error(file, "unknown role");
	expect_error("alice:plaintext:admin\n", "not a crypt(3) hash");
	expect_error("alice:$1$abc$def:admin\n", "not a crypt(3) hash");
	expect_error("alice::viewer\n", "not a crypt(3) hash");
	snprintf(file, sizeof(file), ":%s:admin\n", hash_a);
	expect_error(file, "1 to 64 characters");
	snprintf(file, sizeof(file), "al ice:%s:admin\n", hash_a);
	expect_error(file, "letters, digits");
	snprintf(file, sizeof(file), "<script>:%s:admin\n", hash_a);
	expect_error(file, "letters, digits");
	snprintf(file, sizeof(file), "alice:%s:admin\nalice:%s:viewer\n", hash_a, hash_v);
	expect_error(file, "line 2: user \"alice\" is already defined");
	{
		char		nul[64] = "alice:$6$x$y:admin";

		nul[8] = '\0';
		a = auth_parse(nul, 18, err, sizeof(err));
		CHECK(a == NULL && strstr(err, "NUL") != NULL, "a NUL byte in the file");
		auth_free(a);
	}
	CHECK(strcmp(auth_role_name(GW_ROLE_ADMIN), "admin") == 0 &&
		  strcmp(auth_role_name(GW_ROLE_VIEWER), "viewer") == 0, "role names");
	return test_done();
}
