/*-------------------------------------------------------------------------
 *
 * auth.c
 *		The auth file, Basic credentials and password hashes (see auth.h).
 *
 * Nothing here logs or looks at the request beyond the Authorization
 * value it is given.  crypt_rn needs a struct crypt_data of about 32 KiB:
 * it is allocated per check (the hash costs far more than the malloc).
 *
 *-------------------------------------------------------------------------
 */
#include "auth.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A valid SHA-512 setting for unknown users: the same work, no match. */
#define DUMMY_SETTING "$6$uAj4DkQ7vQX1bS9n$"

/* Longest Authorization value and decoded credential looked at. */
#define MAX_CREDENTIAL 1024

const char *
auth_role_name(enum gw_role role)
{
	switch (role)
	{
		case GW_ROLE_VIEWER:
			return "viewer";
		case GW_ROLE_ADMIN:
			return "admin";
		default:
			return "none";
	}
}

void
auth_free(struct gw_auth *a)
{
	size_t		i;

	if (a == NULL)
		return;
	for (i = 0; i < a->nusers; i++)
		free(a->users[i].hash);
	free(a->users);
	free(a);
}

static bool
name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '.' || c == '_' || c == '@' || c == '-';
}

/* Is h a hash of a scheme we accept, of plausible characters? */
static bool
hash_ok(const char *h, size_t len)
{
	size_t		i;

	if (len < 4 || len > 512)
		return false;
	if (strncmp(h, "$6$", 3) != 0 && strncmp(h, "$5$", 3) != 0 && strncmp(h, "$y$", 3) != 0)
		return false;
	for (i = 0; i < len; i++)
	{
		char		c = h[i];

		if (!(name_char_ok(c) || c == '$' || c == '/' || c == '=' || c == ','))
			return false;
	}
	return true;
}

struct gw_auth *
auth_parse(const char *text, size_t len, char *err, size_t errsize)
{
	struct gw_auth *a = calloc(1, sizeof(*a));
	size_t		cap = 0;
	size_t		pos = 0;
	int			lineno = 0;

	if (a == NULL)
	{
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	while (pos < len)
	{
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t		n = nl ? (size_t) (nl - line) : len - pos;
		const char *c1;
		const char *c2;
		size_t		namelen;
		size_t		hashlen;
		size_t		rolelen;
		const char *role;
		enum gw_role r;
		size_t		i;

		pos += n + (nl ? 1 : 0);
		lineno++;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		if (n == 0 || line[0] == '#')
			continue;
		if (memchr(line, '\0', n) != NULL)
		{
			snprintf(err, errsize, "line %d: a NUL byte", lineno);
			goto fail;
		}
		c1 = memchr(line, ':', n);
		c2 = c1 ? memchr(c1 + 1, ':', n - (size_t) (c1 + 1 - line)) : NULL;
		if (c1 == NULL || c2 == NULL ||
			memchr(c2 + 1, ':', n - (size_t) (c2 + 1 - line)) != NULL)
		{
			snprintf(err, errsize, "line %d: expected name:hash:role", lineno);
			goto fail;
		}
		namelen = (size_t) (c1 - line);
		hashlen = (size_t) (c2 - c1 - 1);
		role = c2 + 1;
		rolelen = n - (size_t) (role - line);
		if (namelen == 0 || namelen > AUTH_MAX_NAME)
		{
			snprintf(err, errsize, "line %d: a user name has 1 to %d characters", lineno, AUTH_MAX_NAME);
			goto fail;
		}
		for (i = 0; i < namelen; i++)
			if (!name_char_ok(line[i]))
			{
				snprintf(err, errsize, "line %d: a user name is made of letters, digits and . _ @ -",
						 lineno);
				goto fail;
			}
		if (!hash_ok(c1 + 1, hashlen))
		{
			snprintf(err, errsize, "line %d: the password hash is not a crypt(3) hash "
					 "(\"$6$...\", \"$5$...\" or \"$y$...\"; make one with --hash-password)", lineno);
			goto fail;
		}
		if (rolelen == 6 && strncmp(role, "viewer", 6) == 0)
			r = GW_ROLE_VIEWER;
		else if (rolelen == 5 && strncmp(role, "admin", 5) == 0)
			r = GW_ROLE_ADMIN;
		else
		{
			snprintf(err, errsize, "line %d: unknown role \"%.*s\" (viewer or admin)", lineno,
					 (int) (rolelen > 32 ? 32 : rolelen), role);
			goto fail;
		}
		for (i = 0; i < a->nusers; i++)
			if (strlen(a->users[i].name) == namelen && strncmp(a->users[i].name, line, namelen) == 0)
			{
				snprintf(err, errsize, "line %d: user \"%.*s\" is already defined", lineno,
						 (int) namelen, line);
				goto fail;
			}
		if (a->nusers == cap)
		{
			size_t		ncap = cap ? cap * 2 : 8;
			struct gw_user *u = realloc(a->users, ncap * sizeof(*u));

			if (u == NULL)
			{
				snprintf(err, errsize, "out of memory");
				goto fail;
			}
			a->users = u;
			cap = ncap;
		}
		memcpy(a->users[a->nusers].name, line, namelen);
		a->users[a->nusers].name[namelen] = '\0';
		a->users[a->nusers].hash = strndup(c1 + 1, hashlen);
		a->users[a->nusers].role = r;
		if (a->users[a->nusers].hash == NULL)
		{
			snprintf(err, errsize, "out of memory");
			goto fail;
		}
		a->nusers++;
	}
	if (a->nusers == 0)
	{
		snprintf(err, errsize, "no users (each line is name:hash:role)");
		goto fail;
	}
	return a;

fail:
	auth_free(a);
	return NULL;
}

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

bool
auth_base64_decode(const char *in, size_t len, char *out, size_t outsize, size_t *outlen)
{
	size_t		i;
	size_t		n = 0;
	unsigned	acc = 0;
	int			bits = 0;

	while (len > 0 && in[len - 1] == '=')
		len--;
	if (len % 4 == 1)
		return false;
	for (i = 0; i < len; i++)
	{
		int			v = b64_value((unsigned char) in[i]);

		if (v < 0)
			return false;
		acc = (acc << 6) | (unsigned) v;
		bits += 6;
		if (bits >= 8)
		{
			bits -= 8;
			if (n + 1 >= outsize)
				return false;
			out[n++] = (char) ((acc >> bits) & 0xFF);
		}
	}
	if (outsize == 0)
		return false;
	out[n] = '\0';
	*outlen = n;
	return true;
}

/* Constant-time equality of two NUL-terminated strings (time depends on lengths only). */
static bool
equal_ct(const char *a, const char *b)
{
	size_t		la = strlen(a);
	size_t		lb = strlen(b);
	size_t		n = la > lb ? la : lb;
	size_t		i;
	unsigned char diff = (unsigned char) (la != lb);

	for (i = 0; i < n; i++)
	{
		unsigned char ca = i < la ? (unsigned char) a[i] : 0;
		unsigned char cb = i < lb ? (unsigned char) b[i] : 0;

		diff |= ca ^ cb;
	}
	return diff == 0;
}

enum gw_role
auth_check(const struct gw_auth *a, const char *authorization, char *user, size_t usersize)
{
	char		cred[MAX_CREDENTIAL + 1];
	size_t		credlen;
	const char *p = authorization;
	char	   *colon;
	const struct gw_user *found = NULL;
	struct crypt_data *cd;
	const char *hashed;
	enum gw_role role = GW_ROLE_NONE;
	size_t		i;

	if (user != NULL && usersize > 0)
		user[0] = '\0';
	if (a == NULL || p == NULL || strncasecmp(p, "Basic ", 6) != 0)
		return GW_ROLE_NONE;
	p += 6;
	while (*p == ' ')
		p++;
	if (strlen(p) > MAX_CREDENTIAL ||
		!auth_base64_decode(p, strlen(p), cred, sizeof(cred), &credlen) ||
		memchr(cred, '\0', credlen) != NULL)
		return GW_ROLE_NONE;
	colon = strchr(cred, ':');
	if (colon == NULL)
		return GW_ROLE_NONE;
	*colon = '\0';
	for (i = 0; i < a->nusers; i++)
		if (strcmp(a->users[i].name, cred) == 0)
			found = &a->users[i];

	cd = calloc(1, sizeof(*cd));
	if (cd == NULL)
		return GW_ROLE_NONE;
	hashed = crypt_rn(colon + 1, found ? found->hash : DUMMY_SETTING, cd, sizeof(*cd));
	if (hashed != NULL && hashed[0] != '*' && found != NULL && equal_ct(hashed, found->hash))
	{
		role = found->role;
		if (user != NULL && usersize > 0)
			snprintf(user, usersize, "%s", found->name);
	}
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	explicit_bzero(cred, sizeof(cred));
	return role;
}

bool
auth_hash_password(const char *password, char *out, size_t outsize)
{
	char		salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd;
	const char *h;
	bool		ok = false;

	if (crypt_gensalt_rn("$6$", 0, NULL, 0, salt, sizeof(salt)) == NULL)
		return false;
	cd = calloc(1, sizeof(*cd));
	if (cd == NULL)
		return false;
	h = crypt_rn(password, salt, cd, sizeof(*cd));
	if (h != NULL && h[0] != '*' && strlen(h) < outsize)
	{
		memcpy(out, h, strlen(h) + 1);
		ok = true;
	}
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}

/* ----------------------------------------------------------------
 * The gateway's current table
 * ----------------------------------------------------------------
 */

static pthread_rwlock_t current_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct gw_auth *current;

bool
auth_load(const char *path, char *err, size_t errsize)
{
	int			fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char	   *text;
	ssize_t		got;
	size_t		len = 0;
	struct gw_auth *a;
	struct gw_auth *old;
	char		perr[256];

	if (fd < 0)
	{
		snprintf(err, errsize, "could not open auth file \"%s\": %s", path, strerror(errno));
		return false;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > 16 * 1024 * 1024)
	{
		snprintf(err, errsize, "auth file \"%s\" is not a regular file of at most 16 MiB", path);
		close(fd);
		return false;
	}
	text = malloc((size_t) st.st_size + 1);
	if (text == NULL)
	{
		snprintf(err, errsize, "out of memory");
		close(fd);
		return false;
	}
	while (len < (size_t) st.st_size &&
		   (got = read(fd, text + len, (size_t) st.st_size - len)) > 0)
		len += (size_t) got;
	close(fd);
	a = auth_parse(text, len, perr, sizeof(perr));
	explicit_bzero(text, len);
	free(text);
	if (a == NULL)
	{
		snprintf(err, errsize, "auth file \"%s\": %s", path, perr);
		return false;
	}
	pthread_rwlock_wrlock(&current_lock);
	old = current;
	current = a;
	pthread_rwlock_unlock(&current_lock);
	auth_free(old);
	if (st.st_mode & S_IROTH)
		snprintf(err, errsize, "auth file \"%s\" is readable by everyone; chmod o-r it", path);
	else
		err[0] = '\0';
	return true;
}

bool
auth_enabled(void)
{
	bool		on;

	pthread_rwlock_rdlock(&current_lock);
	on = current != NULL;
	pthread_rwlock_unlock(&current_lock);
	return on;
}

enum gw_role
auth_check_current(const char *authorization, char *user, size_t usersize)
{
	enum gw_role r;

	pthread_rwlock_rdlock(&current_lock);
	r = auth_check(current, authorization, user, usersize);
	pthread_rwlock_unlock(&current_lock);
	return r;
}
