/*-------------------------------------------------------------------------
 *
 * main.c
 *		telemetrics-gateway: options and environment, start-up checks, the
 *		HTTP daemon, signals, and a graceful stop.
 *
 * Every option has an environment variable, TELEMETRICS_GATEWAY_<NAME>
 * (--max-body: TELEMETRICS_GATEWAY_MAX_BODY); a flag beats its variable,
 * which beats the default.  An invalid value is a clear error and exit
 * status 2 (a variable is not read when its flag is given).
 *
 * Threads: MHD's thread pool (--threads) runs the HTTP side, the database
 * workers (--db-connections) run SQL, and this main thread waits for
 * signals; every 100 ms it also answers requests that waited too long for
 * a database worker (batch_expire).  SIGINT and SIGTERM are blocked in
 * every thread and taken here with sigtimedwait.
 *
 * Stopping (SIGTERM, SIGINT): close new connections at once, answer what
 * is in flight (responses now close their connections), and exit 0 once
 * nothing is left, or after --drain-timeout seconds, when what is still
 * queued is answered 503.
 *
 *-------------------------------------------------------------------------
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>
#include <microhttpd.h>

#include "auth.h"
#include "batch.h"
#include "deadline.h"
#include "db.h"
#include "gateway.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "routes.h"
#include "text.h"

struct gw_config gw_config = {
	.listen = "127.0.0.1",
	.port = 8080,
	.db = "",
	.threads = 1,
	.db_connections = 2,
	.max_batch = 256,
	.ingest_batches = 1,
	.max_body = 1024 * 1024,
	.ui_dir = NULL,
	.connection_timeout = 30,
	.request_timeout = 60,
	.max_header_bytes = 16 * 1024,
	.max_connections = 256,
	.max_connections_per_ip = 0,
	.connection_memory_limit = 32 * 1024,
	.queue_timeout_ms = 5000,
	.statement_timeout_ms = 5000,
	.retry_after = 5,
	.drain_timeout = 25,
	.log_level = GW_LOG_INFO,
	.write_timeout_ms = 300000,
	.export_timeout_ms = 120000,
	.auth_file = NULL,
	.insecure_public = false,
};

/* The options; the order is the order of --help. */
enum opt_kind
{
	OPT_STRING, OPT_INT, OPT_SIZE, OPT_LOGLEVEL, OPT_BOOL
};

struct option_def
{
	const char *name;			/* long option; env var is derived */
	const char *arg;			/* argument name for --help */
	enum opt_kind kind;
	void	   *target;
	long		min;
	long		max;
	const char *help;
};

static const struct option_def options[] = {
	{"listen", "ADDR", OPT_STRING, &gw_config.listen, 0, 0,
	"address to listen on (default 127.0.0.1)"},
	{"port", "PORT", OPT_INT, &gw_config.port, 1, 65535,
	"TCP port (default 8080)"},
	{"db", "CONNINFO", OPT_STRING, &gw_config.db, 0, 0,
	"libpq connection string (default: libpq's PG* variables and defaults)"},
	{"threads", "N", OPT_INT, &gw_config.threads, 1, 64,
	"HTTP threads (default 1; more only pays when the gateway, not the database, is short of CPU)"},
	{"db-connections", "N", OPT_INT, &gw_config.db_connections, 1, 64,
	"database workers, one connection each (default 2)"},
	{"max-batch", "N", OPT_INT, &gw_config.max_batch, 1, 10000,
	"most records stored in one transaction (default 256)"},
	{"ingest-batches", "N", OPT_INT, &gw_config.ingest_batches, 1, 64,
	"most ingest transactions at once, each on its own worker; records that arrive meanwhile wait and go together in the next (default 1)"},
	{"max-body", "BYTES", OPT_SIZE, &gw_config.max_body, 1, 1024L * 1024 * 1024,
	"largest request body; k, M, G suffixes (default 1M)"},
	{"ui-dir", "DIR", OPT_STRING, &gw_config.ui_dir, 0, 0,
	"directory of the web UI's files (default: no UI)"},
	{"connection-timeout", "SECONDS", OPT_INT, &gw_config.connection_timeout, 1, 3600,
	"close a connection idle this long (default 30)"},
	{"request-timeout", "SECONDS", OPT_INT, &gw_config.request_timeout, 0, 3600,
	"close a connection whose request takes longer from its request line to the end of its body (slowloris); 0 = none (default 60)"},
	{"max-connections", "N", OPT_INT, &gw_config.max_connections, 1, 100000,
	"most open HTTP connections (default 256)"},
	{"max-connections-per-ip", "N", OPT_INT, &gw_config.max_connections_per_ip, 0, 100000,
	"most open HTTP connections from one address; 0 = no limit (default)"},
	{"connection-memory-limit", "BYTES", OPT_SIZE, &gw_config.connection_memory_limit, 8192, 16L * 1024 * 1024,
	"memory per connection for the request line and headers (default 32k)"},
	{"max-header-bytes", "BYTES", OPT_SIZE, &gw_config.max_header_bytes, 1024, 16L * 1024 * 1024,
	"largest request line and headers, answered 431 beyond; keep it below --connection-memory-limit (default 16k)"},
	{"queue-timeout", "MS", OPT_INT, &gw_config.queue_timeout_ms, 1, 600000,
	"answer 503 when no database worker takes a request this long (default 5000)"},
	{"statement-timeout", "MS", OPT_INT, &gw_config.statement_timeout_ms, 0, 3600000,
	"PostgreSQL statement_timeout of the gateway's sessions; 0 = none (default 5000)"},
	{"retry-after", "SECONDS", OPT_INT, &gw_config.retry_after, 0, 86400,
	"Retry-After of every 503 (default 5)"},
	{"drain-timeout", "SECONDS", OPT_INT, &gw_config.drain_timeout, 0, 3600,
	"on SIGTERM, wait this long for requests in flight (default 25)"},
	{"log-level", "LEVEL", OPT_LOGLEVEL, &gw_config.log_level, 0, 0,
	"error, warn, info (one line per request) or debug (default info)"},
	{"write-timeout", "MS", OPT_INT, &gw_config.write_timeout_ms, 0, 3600000,
	"statement_timeout of management writes (blacklist, reclassify); 0 = none (default 300000)"},
	{"export-timeout", "MS", OPT_INT, &gw_config.export_timeout_ms, 0, 3600000,
	"statement_timeout of a CSV export, its whole transfer; 0 = none (default 120000)"},
	{"auth-file", "FILE", OPT_STRING, &gw_config.auth_file, 0, 0,
	"users, password hashes and roles (name:hash:role); UI, API and /metrics then need Basic auth"},
	{"insecure-public", NULL, OPT_BOOL, &gw_config.insecure_public, 0, 0,
	"allow a non-loopback --listen address without --auth-file (anyone can read and manage)"},
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

/* usage: --help: the options, their variables, and the route table. */
static void
usage(FILE *out)
{
	size_t		i;

	fprintf(out,
			"%s %s: the HTTP gateway of telemetrics (built for extension version %s).\n\n"
			"Usage: %s [OPTION]...\n\n"
			"Options (each also read from the environment variable shown):\n",
			GW_PROGNAME, GW_VERSION, GW_EXTENSION_VERSION, GW_PROGNAME);
	for (i = 0; i < NOPTIONS; i++)
	{
		char		flag[64];
		char		env[64];
		size_t		k;

		if (options[i].arg != NULL)
			snprintf(flag, sizeof(flag), "--%s=%s", options[i].name, options[i].arg);
		else
			snprintf(flag, sizeof(flag), "--%s", options[i].name);
		snprintf(env, sizeof(env), "TELEMETRICS_GATEWAY_%s", options[i].name);
		for (k = 0; env[k]; k++)
			env[k] = (env[k] == '-') ? '_' : (char) (env[k] >= 'a' && env[k] <= 'z' ? env[k] - 32 : env[k]);
		fprintf(out, "  %-34s %s\n  %-34s   [%s]\n", flag, options[i].help, "", env);
	}
	fprintf(out, "  %-34s %s\n  %-34s %s\n  %-34s %s\n\nRoutes:\n", "--help", "show this help and exit",
			"--version", "show the version and exit",
			"--hash-password", "read a password from standard input, print its hash for the auth file, exit");
	for (i = 0; i < route_count; i++)
	{
		char		methods[64];

		route_allow_header(route_table[i].methods, methods, sizeof(methods));
		fprintf(out, "  %-10s %-30s %s\n", methods, route_table[i].path, route_table[i].summary);
	}
	fprintf(out, "  %-10s %-30s %s\n", "GET, HEAD", "/ (and others)",
			"the web UI's files, from --ui-dir, through a fixed allow-list");
}

/* Set one option from text; false (with a message) if the value is bad. */
static bool
set_option(const struct option_def *o, const char *value, const char *source)
{
	long		l;
	size_t		s;
	int			level;

	switch (o->kind)
	{
		case OPT_STRING:
			*(const char **) o->target = value;
			return true;
		case OPT_INT:
			if (!text_parse_int(value, o->min, o->max, &l))
			{
				fprintf(stderr, "%s: invalid value \"%s\" for %s: expected a whole number from %ld to %ld\n",
						GW_PROGNAME, value, source, o->min, o->max);
				return false;
			}
			*(int *) o->target = (int) l;
			return true;
		case OPT_SIZE:
			if (!text_parse_size(value, &s) || s < (size_t) o->min || s > (size_t) o->max)
			{
				fprintf(stderr, "%s: invalid value \"%s\" for %s: expected a size from %ld to %ld bytes (suffixes k, M, G)\n",
						GW_PROGNAME, value, source, o->min, o->max);
				return false;
			}
			*(size_t *) o->target = s;
			return true;
		case OPT_BOOL:
			if (value == NULL || strcmp(value, "1") == 0 || strcmp(value, "true") == 0 ||
				strcmp(value, "yes") == 0 || strcmp(value, "on") == 0)
				*(bool *) o->target = true;
			else if (strcmp(value, "0") == 0 || strcmp(value, "false") == 0 ||
					 strcmp(value, "no") == 0 || strcmp(value, "off") == 0 || value[0] == '\0')
				*(bool *) o->target = false;
			else
			{
				fprintf(stderr, "%s: invalid value \"%s\" for %s: expected 1, true, yes, on, 0, false, no or off\n",
						GW_PROGNAME, value, source);
				return false;
			}
			return true;
		case OPT_LOGLEVEL:
			level = log_level_parse(value);
			if (level < 0)
			{
				fprintf(stderr, "%s: invalid value \"%s\" for %s: expected error, warn, info or debug\n",
						GW_PROGNAME, value, source);
				return false;
			}
			*(int *) o->target = level;
			return true;
	}
	return false;
}

/*
 * hash_password: --hash-password.  Read one line (the password) from
 * standard input, without echo on a terminal, and print its "$6$" hash,
 * ready for an auth file line "name:HASH:role".  Returns the exit status.
 */
static int
hash_password(void)
{
	char		pw[1024];
	char		hash[256];
	struct termios old;
	bool		tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	size_t		n;

	if (tty)
	{
		struct termios quiet = old;

		quiet.c_lflag &= ~(tcflag_t) ECHO;
		fprintf(stderr, "Password: ");
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	if (fgets(pw, sizeof(pw), stdin) == NULL)
		pw[0] = '\0';
	if (tty)
	{
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	n = strcspn(pw, "\r\n");
	pw[n] = '\0';
	if (n == 0)
	{
		fprintf(stderr, "%s: --hash-password: no password on standard input\n", GW_PROGNAME);
		return 2;
	}
	if (!auth_hash_password(pw, hash, sizeof(hash)))
	{
		fprintf(stderr, "%s: --hash-password: could not hash: %s\n", GW_PROGNAME, strerror(errno));
		return 1;
	}
	explicit_bzero(pw, sizeof(pw));
	printf("%s\n", hash);
	return 0;
}

/*
 * Parse the command line, then the environment variable of every option
 * the command line did not set (so a flag beats its variable, even a
 * variable whose value is bad, which is then not read).  Exits on errors.
 */
static void
parse_options(int argc, char **argv)
{
	struct option longopts[NOPTIONS + 4];
	bool		given[NOPTIONS] = {false};
	size_t		i;
	int			c;
	int			index;

	for (i = 0; i < NOPTIONS; i++)
	{
		longopts[i].name = options[i].name;
		longopts[i].has_arg = options[i].kind == OPT_BOOL ? no_argument : required_argument;
		longopts[i].flag = NULL;
		longopts[i].val = 1000 + (int) i;
	}
	longopts[NOPTIONS] = (struct option)
	{
		"help", no_argument, NULL, 'h'
	};
	longopts[NOPTIONS + 1] = (struct option)
	{
		"version", no_argument, NULL, 'V'
	};
	longopts[NOPTIONS + 2] = (struct option)
	{
		"hash-password", no_argument, NULL, 'P'
	};
	longopts[NOPTIONS + 3] = (struct option)
	{
		NULL, 0, NULL, 0
	};

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hV", longopts, &index)) != -1)
	{
		char		source[128];

		if (c == 'h')
		{
			usage(stdout);
			exit(0);
		}
		if (c == 'V')
		{
			printf("%s %s (extension %s, libmicrohttpd %s, jansson %s, libpq %d)\n",
				   GW_PROGNAME, GW_VERSION, GW_EXTENSION_VERSION, MHD_get_version(),
				   JANSSON_VERSION, PQlibVersion());
			exit(0);
		}
		if (c == 'P')
			exit(hash_password());
		if (c == '?' || c == ':')
		{
			if (c == ':')
				fprintf(stderr, "%s: option \"%s\" needs a value\n", GW_PROGNAME, argv[optind - 1]);
			else
				fprintf(stderr, "%s: unrecognized option \"%s\"\n", GW_PROGNAME, argv[optind - 1]);
			fprintf(stderr, "Try \"%s --help\" for more information.\n", GW_PROGNAME);
			exit(2);
		}
		i = (size_t) (c - 1000);
		snprintf(source, sizeof(source), "--%s", options[i].name);
		if (!set_option(&options[i], optarg, source))
			exit(2);
		given[i] = true;
	}

	for (i = 0; i < NOPTIONS; i++)
	{
		char		env[64];
		char		source[128];
		size_t		k;
		const char *value;

		if (given[i])
			continue;
		snprintf(env, sizeof(env), "TELEMETRICS_GATEWAY_%s", options[i].name);
		for (k = 0; env[k]; k++)
			env[k] = (env[k] == '-') ? '_' : (char) (env[k] >= 'a' && env[k] <= 'z' ? env[k] - 32 : env[k]);
		value = getenv(env);
		snprintf(source, sizeof(source), "environment variable %s", env);
		if (value != NULL && !set_option(&options[i], value, source))
			exit(2);
	}
	if (optind < argc)
	{
		fprintf(stderr, "%s: unexpected argument \"%s\"\n", GW_PROGNAME, argv[optind]);
		fprintf(stderr, "Try \"%s --help\" for more information.\n", GW_PROGNAME);
		exit(2);
	}
	if (gw_config.max_connections < gw_config.threads)
	{
		fprintf(stderr, "%s: --max-connections (%d) must be at least --threads (%d)\n",
				GW_PROGNAME, gw_config.max_connections, gw_config.threads);
		exit(2);
	}
	if (gw_config.ui_dir != NULL && gw_config.ui_dir[0] == '\0')
		gw_config.ui_dir = NULL;
	if (gw_config.ui_dir != NULL)
	{
		struct stat st;

		if (stat(gw_config.ui_dir, &st) != 0 || !S_ISDIR(st.st_mode))
		{
			fprintf(stderr, "%s: invalid value \"%s\" for --ui-dir: not a directory\n",
					GW_PROGNAME, gw_config.ui_dir);
			exit(2);
		}
	}
}

/* Resolve --listen/--port into *addr; exits on failure. */
static void
resolve_listen(struct sockaddr_storage *addr, bool *ipv6)
{
	struct addrinfo hints;
	struct addrinfo *res;
	char		port[16];
	int			rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	snprintf(port, sizeof(port), "%d", gw_config.port);
	rc = getaddrinfo(gw_config.listen, port, &hints, &res);
	if (rc != 0)
	{
		fprintf(stderr, "%s: invalid value \"%s\" for --listen: %s\n",
				GW_PROGNAME, gw_config.listen, gai_strerror(rc));
		exit(2);
	}
	memcpy(addr, res->ai_addr, res->ai_addrlen);
	*ipv6 = (res->ai_family == AF_INET6);
	freeaddrinfo(res);
}

/* Is the address a loopback one (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104)? */
static bool
is_loopback(const struct sockaddr_storage *addr)
{
	if (addr->ss_family == AF_INET)
	{
		const struct sockaddr_in *in = (const struct sockaddr_in *) addr;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (addr->ss_family == AF_INET6)
	{
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) addr;

		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127;
	}
	return false;
}

/*
 * Access control at start-up: load --auth-file, and refuse a public
 * address without it unless --insecure-public.  Exits 2 on errors.
 */
static void
check_access(const struct sockaddr_storage *addr)
{
	char		err[512];

	if (gw_config.auth_file != NULL && gw_config.auth_file[0] == '\0')
		gw_config.auth_file = NULL;
	if (gw_config.auth_file != NULL)
	{
		if (!auth_load(gw_config.auth_file, err, sizeof(err)))
		{
			fprintf(stderr, "%s: %s\n", GW_PROGNAME, err);
			exit(2);
		}
		if (err[0] != '\0')
			gw_log(GW_LOG_WARN, "%s", err);
	}
	if (is_loopback(addr))
		return;
	if (gw_config.auth_file == NULL && !gw_config.insecure_public)
	{
		fprintf(stderr,
				"%s: refusing to listen on \"%s\", which is not a loopback address, without --auth-file: "
				"anyone who reaches it could read every record and change the blacklist.\n"
				"Give --auth-file (and put TLS in front: Basic auth sends passwords in clear), "
				"or --insecure-public if another layer controls access.\n",
				GW_PROGNAME, gw_config.listen);
		exit(2);
	}
	if (gw_config.auth_file == NULL)
		gw_log(GW_LOG_WARN, "listening on the non-loopback address %s without access control (--insecure-public)",
			   gw_config.listen);
	else
		gw_log(GW_LOG_INFO, "listening on the non-loopback address %s: Basic auth sends passwords in clear, "
			   "so put TLS in front", gw_config.listen);
}

/* Check the extension version once at start-up; exits on a mismatch. */
static void
check_database(void)
{
	char		version[64];
	char		err[512];
	char		sqlstate[6] = "";
	int			rc = db_probe_version(version, sizeof(version), err, sizeof(err), sqlstate);

	if (rc == 1 && strcmp(version, GW_EXTENSION_VERSION) == 0)
	{
		gw_log(GW_LOG_INFO, "database reachable, extension telemetrics %s", version);
		return;
	}
	if (rc == 1)
	{
		gw_log(GW_LOG_ERROR, "the database has extension telemetrics %s, but this gateway was built for %s",
			   version[0] ? version : "(none)", GW_EXTENSION_VERSION);
		exit(1);
	}
	if (rc < 0)
	{
		gw_log(GW_LOG_ERROR, "could not check the extension version: %s", err);
		if (strcmp(sqlstate, "57014") == 0)
			gw_log(GW_LOG_ERROR, "the check ran out of time: is --statement-timeout (%d ms) too short?",
				   gw_config.statement_timeout_ms);
		else
			gw_log(GW_LOG_ERROR, "is the telemetrics extension installed, and may the gateway's role use schema telemetrics_api?");
		exit(1);
	}
	gw_log(GW_LOG_WARN, "database unreachable at start-up (%s); starting anyway, answering 503 until it is back", err);
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage addr;
	bool		ipv6;
	sigset_t	sigs;
	struct MHD_Daemon *daemon;
	unsigned int flags;
	uint64_t	drain_start;
	bool		drained;
	struct timespec tick = {0, 100 * 1000 * 1000};

	parse_options(argc, argv);
	resolve_listen(&addr, &ipv6);
	check_access(&addr);
	metrics_init();

	/* signals: taken by this thread only */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	gw_log(GW_LOG_INFO, "%s %s starting (extension %s, libmicrohttpd %s)",
		   GW_PROGNAME, GW_VERSION, GW_EXTENSION_VERSION, MHD_get_version());
	check_database();

	if (!batch_start())
	{
		gw_log(GW_LOG_ERROR, "could not start the database workers");
		return 1;
	}

	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_ALLOW_SUSPEND_RESUME |
		MHD_USE_ERROR_LOG;
	if (ipv6)
		flags |= MHD_USE_IPv6;
	daemon = MHD_start_daemon(flags, (uint16_t) gw_config.port, http_accept_policy, NULL,
							  http_handle, NULL,
							  MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, NULL,
							  MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &addr,
							  MHD_OPTION_THREAD_POOL_SIZE, (unsigned int) gw_config.threads,
							  MHD_OPTION_CONNECTION_LIMIT, (unsigned int) gw_config.max_connections,
							  MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int) gw_config.max_connections_per_ip,
							  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) gw_config.connection_timeout,
							  MHD_OPTION_CONNECTION_MEMORY_LIMIT, gw_config.connection_memory_limit,
							  MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int) 1024,
							  MHD_OPTION_NOTIFY_COMPLETED, http_request_done, NULL,
							  MHD_OPTION_NOTIFY_CONNECTION, http_connection_notify, NULL,
							  MHD_OPTION_URI_LOG_CALLBACK, http_uri_log, NULL,
							  MHD_OPTION_END);
	if (daemon == NULL)
	{
		gw_log(GW_LOG_ERROR, "could not listen on %s port %d (is the port in use?)",
			   gw_config.listen, gw_config.port);
		batch_stop();
		return 1;
	}
	gw_log(GW_LOG_INFO, "listening on %s port %d (HTTP threads: %d, database workers: %d, "
		   "ingest batches at once: %d, max body: %zu bytes)",
		   gw_config.listen, gw_config.port, gw_config.threads, gw_config.db_connections,
		   gw_config.ingest_batches < gw_config.db_connections ?
		   gw_config.ingest_batches : gw_config.db_connections,
		   gw_config.max_body);

	for (;;)
	{
		int			sig = sigtimedwait(&sigs, NULL, &tick);

		if (sig == SIGINT || sig == SIGTERM)
		{
			gw_log(GW_LOG_INFO, "received %s; finishing the requests in flight",
				   sig == SIGINT ? "SIGINT" : "SIGTERM");
			break;
		}
		if (sig == SIGHUP && gw_config.auth_file != NULL)
		{
			char		err[512];

			if (auth_load(gw_config.auth_file, err, sizeof(err)))
				gw_log(err[0] ? GW_LOG_WARN : GW_LOG_INFO, "SIGHUP: auth file reloaded%s%s",
					   err[0] ? "; " : "", err);
			else
				gw_log(GW_LOG_ERROR, "SIGHUP: %s; keeping the users loaded before", err);
		}
		else if (sig == SIGHUP)
			gw_log(GW_LOG_INFO, "SIGHUP ignored (no --auth-file to reload)");
		batch_expire();
		deadline_sweep(gw_now_ns());
	}

	/*
	 * Stop taking connections, answer what is in flight.  New connections
	 * are closed as soon as they are accepted (http_accept_policy).  Not
	 * MHD_quiesce_daemon: in libmicrohttpd 0.9.75 it races with the epoll
	 * loops of the pool's threads and can abort the process ("Failed to
	 * remove listen FD from epoll set").
	 */
	http_set_draining();
	drain_start = gw_now_ns();
	drained = false;
	while (gw_now_ns() - drain_start < (uint64_t) gw_config.drain_timeout * UINT64_C(1000000000))
	{
		if (http_inflight() == 0)
		{
			drained = true;
			break;
		}
		nanosleep(&tick, NULL);
		batch_expire();
		deadline_sweep(gw_now_ns());	/* a trickled request does not hold up the exit */
	}
	batch_stop_accepting();
	if (!drained)
	{
		gw_log(GW_LOG_WARN, "%ld requests still in flight after %d s; answering the queued ones 503",
			   http_inflight(), gw_config.drain_timeout);
		batch_fail_queued();
	}
	/* MHD must not be stopped with suspended connections: wait for the workers */
	while (batch_pending() > 0)
		nanosleep(&tick, NULL);
	MHD_stop_daemon(daemon);
	batch_stop();
	gw_log(GW_LOG_INFO, "stopped");
	return 0;
}
