/*-------------------------------------------------------------------------
 *
 * auth.h
 *		Access control: the auth file (users, password hashes, roles) and
 *		HTTP Basic credentials checked against it.
 *
 * The auth file (--auth-file) has one user per line:
 *
 *		name:hash:role
 *
 * name is 1 to 64 of [A-Za-z0-9._@-]; hash is a crypt(3) hash of the
 * password, "$6$..." (SHA-512, what --hash-password writes), "$5$..." or
 * "$y$..." (yescrypt); role is "viewer" (read everything) or "admin" (also
 * the management writes).  Blank lines and lines starting with "#" are
 * ignored; anything else that does not parse is an error naming the line,
 * and the gateway does not start (or, on SIGHUP, keeps the users it has).
 *
 * The parser, the base64 decoder and the credential check are pure C and
 * unit-tested (test_auth.c).  auth_check runs crypt_r for every request,
 * also for an unknown user (against a dummy hash), and compares in
 * constant time, so answers do not tell which users exist.
 *
 *-------------------------------------------------------------------------
 */
#ifndef GW_AUTH_H
#define GW_AUTH_H

#include <stdbool.h>
#include <stddef.h>

enum gw_role
{
	GW_ROLE_NONE = 0,			/* not authenticated */
	GW_ROLE_VIEWER,
	GW_ROLE_ADMIN
};

#define AUTH_MAX_NAME	64

struct gw_user
{
	char		name[AUTH_MAX_NAME + 1];
	char	   *hash;			/* malloc'd crypt(3) hash */
	enum gw_role role;
};

/* A parsed auth file. */
struct gw_auth
{
	struct gw_user *users;
	size_t		nusers;
};

/*
 * auth_parse
 *		Parse the text of an auth file.  Returns a table (free it with
 *		auth_free), or NULL with a message ("line 3: unknown role
 *		\"root\"") in err.  A file without any user is an error too.
 */
extern struct gw_auth *auth_parse(const char *text, size_t len, char *err, size_t errsize);

extern void auth_free(struct gw_auth *a);

/* auth_role_name: "viewer", "admin" or "none". */
extern const char *auth_role_name(enum gw_role role);

/*
 * auth_base64_decode
 *		Decode standard base64 (padding optional, no whitespace) into out
 *		(NUL-terminated).  False when the input is not base64 or does not
 *		fit.
 */
extern bool auth_base64_decode(const char *in, size_t len, char *out, size_t outsize,
							   size_t *outlen);

/*
 * auth_check
 *		Check an Authorization header value ("Basic <base64 of
 *		user:password>", scheme in any case) against the table.  Returns
 *		the user's role and copies the name into user, or GW_ROLE_NONE for
 *		a missing, malformed or wrong credential.
 */
extern enum gw_role auth_check(const struct gw_auth *a, const char *authorization,
							   char *user, size_t usersize);

/*
 * auth_hash_password
 *		A new "$6$" (SHA-512) crypt hash of password with a random salt
 *		into out.  False (with errno's message) on failure.
 */
extern bool auth_hash_password(const char *password, char *out, size_t outsize);

/*
 * The gateway's current table, loaded from --auth-file at start-up and
 * again on SIGHUP; readers and the reload are serialized by a rwlock.
 * auth_load returns false (with a message in err) and keeps the current
 * table when the file cannot be read or parsed.
 */
extern bool auth_load(const char *path, char *err, size_t errsize);
extern bool auth_enabled(void);
extern enum gw_role auth_check_current(const char *authorization, char *user, size_t usersize);

#endif							/* GW_AUTH_H */
