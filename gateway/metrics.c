/*-------------------------------------------------------------------------
 *
 * metrics.c
 *		The gateway's metrics (see metrics.h).
 *
 * Series:
 *	telemetrics_gateway_http_requests_total{route,method,status}
 *	telemetrics_gateway_http_request_duration_seconds{route} (histogram)
 *	telemetrics_gateway_http_connections, ..._http_requests_in_flight
 *	telemetrics_gateway_records_total{outcome}
 *	telemetrics_gateway_rejections_total{sqlstate}
 *	telemetrics_gateway_db_errors_total{kind}, ..._db_connects_total,
 *	..._db_reconnects_total, ..._db_connections
 *	telemetrics_gateway_queue_depth, ..._queue_timeouts_total
 *	telemetrics_gateway_request_timeouts_total
 *	telemetrics_gateway_batch_size (histogram), ..._batch_duration_seconds
 *	telemetrics_gateway_build_info{version,extension_version}
 *	telemetrics_gateway_start_time_seconds
 *
 *-------------------------------------------------------------------------
 */
#include "metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "gateway.h"
#include "routes.h"

typedef atomic_uint_fast64_t counter_t;

#define INC(c)		atomic_fetch_add_explicit(&(c), 1, memory_order_relaxed)
#define ADD(c, n)	atomic_fetch_add_explicit(&(c), (n), memory_order_relaxed)
#define GET(c)		((unsigned long long) atomic_load_explicit(&(c), memory_order_relaxed))

/*
 * The statuses counted one by one; anything else is "other".  0 ("none")
 * is a request that ended without a response (the client went away).
 */
static const unsigned statuses[] = {
	0, 200, 201, 204, 304, 400, 401, 403, 404, 405, 408, 409, 413, 415, 431, 500, 503
};
#define NSTATUS		(sizeof(statuses) / sizeof(statuses[0]) + 1)

static const char *const method_names[] = {"GET", "HEAD", "POST", "other"};
#define NMETHOD		4

/* Latency buckets, upper bounds in microseconds. */
static const uint64_t latency_us[] = {
	500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000
};
#define NLAT		(sizeof(latency_us) / sizeof(latency_us[0]))

static const unsigned batch_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
#define NBATCH		(sizeof(batch_bounds) / sizeof(batch_bounds[0]))

struct histogram_lat
{
	counter_t	bucket[NLAT];	/* non-cumulative; summed when rendered */
	counter_t	count;
	counter_t	sum_us;
};

static counter_t requests[GW_NUM_LABELS_MAX][NMETHOD][NSTATUS];
static struct histogram_lat latency[GW_NUM_LABELS_MAX];

static counter_t records[3];

#define NREJECT		32
static struct
{
	char		sqlstate[6];
	counter_t	count;
}			rejections[NREJECT];
static counter_t rejections_other;
static atomic_int nrejections;
static pthread_mutex_t rejections_lock = PTHREAD_MUTEX_INITIALIZER;

static counter_t db_errors[3];
static counter_t db_connects;
static counter_t db_reconnects;
static atomic_long db_connections;
static atomic_long http_connections;
static atomic_long inflight;
static atomic_long queue_depth;
static counter_t queue_timeouts;
static counter_t request_timeouts;

static counter_t batch_bucket[NBATCH];
static counter_t batch_count;
static counter_t batch_sum;
static struct histogram_lat batch_latency;

static time_t start_time;

void
metrics_init(void)
{
	start_time = time(NULL);
}

/* The method label index of a GW_METHOD_* bit. */
static int
method_index(unsigned bit)
{
	switch (bit)
	{
		case GW_METHOD_GET:
			return 0;
		case GW_METHOD_HEAD:
			return 1;
		case GW_METHOD_POST:
			return 2;
		default:
			return 3;
	}
}

/* The status label index of an HTTP status (the last one is "other"). */
static int
status_index(unsigned status)
{
	size_t		i;

	for (i = 0; i < NSTATUS - 1; i++)
		if (statuses[i] == status)
			return (int) i;
	return (int) NSTATUS - 1;
}

/* Count one duration into a latency histogram. */
static void
observe_latency(struct histogram_lat *h, uint64_t duration_ns)
{
	uint64_t	us = duration_ns / 1000;
	size_t		i;

	for (i = 0; i < NLAT; i++)
		if (us <= latency_us[i])
		{
			INC(h->bucket[i]);
			break;
		}
	INC(h->count);
	ADD(h->sum_us, us);
}

void
metrics_request(int label, unsigned method_bit, unsigned status, uint64_t duration_ns)
{
	if (label < 0 || label >= route_num_labels())
		label = GW_LABEL_UNMATCHED;
	INC(requests[label][method_index(method_bit)][status_index(status)]);
	observe_latency(&latency[label], duration_ns);
}

void
metrics_record(enum gw_outcome outcome, const char *sqlstate)
{
	int			i;
	int			n;

	INC(records[outcome]);
	if (outcome != GW_OUTCOME_REJECTED)
		return;
	if (sqlstate == NULL || strlen(sqlstate) != 5)
	{
		INC(rejections_other);
		return;
	}
	n = atomic_load(&nrejections);
	for (i = 0; i < n; i++)
		if (memcmp(rejections[i].sqlstate, sqlstate, 5) == 0)
		{
			INC(rejections[i].count);
			return;
		}
	pthread_mutex_lock(&rejections_lock);
	n = atomic_load(&nrejections);
	for (i = 0; i < n; i++)
		if (memcmp(rejections[i].sqlstate, sqlstate, 5) == 0)
			break;
	if (i == n && n < NREJECT)
	{
		memcpy(rejections[n].sqlstate, sqlstate, 6);
		atomic_store(&nrejections, n + 1);
	}
	if (i < NREJECT)
		INC(rejections[i].count);
	else
		INC(rejections_other);
	pthread_mutex_unlock(&rejections_lock);
}

void
metrics_db_error(enum gw_db_error kind)
{
	INC(db_errors[kind]);
}

void
metrics_db_connect(int reconnect)
{
	INC(db_connects);
	if (reconnect)
		INC(db_reconnects);
}

void
metrics_db_connections_add(int delta)
{
	atomic_fetch_add(&db_connections, delta);
}

void
metrics_http_connections_add(int delta)
{
	atomic_fetch_add(&http_connections, delta);
}

void
metrics_inflight_add(int delta)
{
	atomic_fetch_add(&inflight, delta);
}

void
metrics_queue_add(long delta)
{
	atomic_fetch_add(&queue_depth, delta);
}

void
metrics_queue_timeout(void)
{
	INC(queue_timeouts);
}

void
metrics_request_timeout(void)
{
	INC(request_timeouts);
}

void
metrics_batch(size_t n, uint64_t duration_ns)
{
	size_t		i;

	for (i = 0; i < NBATCH; i++)
		if (n <= batch_bounds[i])
		{
			INC(batch_bucket[i]);
			break;
		}
	INC(batch_count);
	ADD(batch_sum, n);
	observe_latency(&batch_latency, duration_ns);
}

/* Write one latency histogram (cumulative buckets, sum, count) to b. */
static void
render_latency(struct gw_buf *b, const char *name, const char *labels,
			   struct histogram_lat *h)
{
	unsigned long long cum = 0;
	size_t		i;
	const char *sep = labels[0] ? "," : "";

	for (i = 0; i < NLAT; i++)
	{
		cum += GET(h->bucket[i]);
		buf_printf(b, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep,
				   (double) latency_us[i] / 1e6, cum);
	}
	buf_printf(b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep, GET(h->count));
	buf_printf(b, "%s_sum%s%s%s %.6f\n", name, labels[0] ? "{" : "", labels,
			   labels[0] ? "}" : "", (double) GET(h->sum_us) / 1e6);
	buf_printf(b, "%s_count%s%s%s %llu\n", name, labels[0] ? "{" : "", labels,
			   labels[0] ? "}" : "", GET(h->count));
}

char *
metrics_render(size_t *len)
{
	struct gw_buf b;
	int			l;
	int			m;
	size_t		s;
	int			i;
	unsigned long long cum;
	static const char *const outcome_names[] = {"stored", "duplicate", "rejected"};
	static const char *const dberr_names[] = {"connect", "lost", "query"};
	char		labels[128];

	buf_init(&b);

	buf_printf(&b, "# HELP telemetrics_gateway_build_info The gateway's version and the extension version it was built for.\n"
			   "# TYPE telemetrics_gateway_build_info gauge\n"
			   "telemetrics_gateway_build_info{version=\"%s\",extension_version=\"%s\"} 1\n",
			   GW_VERSION, GW_EXTENSION_VERSION);
	buf_printf(&b, "# HELP telemetrics_gateway_start_time_seconds When the gateway started, in Unix seconds.\n"
			   "# TYPE telemetrics_gateway_start_time_seconds gauge\n"
			   "telemetrics_gateway_start_time_seconds %lld\n", (long long) start_time);

	buf_printf(&b, "# HELP telemetrics_gateway_http_requests_total HTTP requests answered, by route, method and status.\n"
			   "# TYPE telemetrics_gateway_http_requests_total counter\n");
	for (l = 0; l < route_num_labels(); l++)
		for (m = 0; m < NMETHOD; m++)
			for (s = 0; s < NSTATUS; s++)
			{
				unsigned long long v = GET(requests[l][m][s]);
				char		status[16];

				if (v == 0)
					continue;
				if (s == 0)
					snprintf(status, sizeof(status), "none");
				else if (s < NSTATUS - 1)
					snprintf(status, sizeof(status), "%u", statuses[s]);
				else
					snprintf(status, sizeof(status), "other");
				buf_printf(&b, "telemetrics_gateway_http_requests_total{route=\"%s\",method=\"%s\",status=\"%s\"} %llu\n",
						   route_label(l), method_names[m], status, v);
			}

	buf_printf(&b, "# HELP telemetrics_gateway_http_request_duration_seconds Time from a request's headers to its response, by route.\n"
			   "# TYPE telemetrics_gateway_http_request_duration_seconds histogram\n");
	for (l = 0; l < route_num_labels(); l++)
	{
		if (GET(latency[l].count) == 0)
			continue;
		snprintf(labels, sizeof(labels), "route=\"%s\"", route_label(l));
		render_latency(&b, "telemetrics_gateway_http_request_duration_seconds", labels, &latency[l]);
	}

	buf_printf(&b, "# HELP telemetrics_gateway_http_connections Open HTTP connections.\n"
			   "# TYPE telemetrics_gateway_http_connections gauge\n"
			   "telemetrics_gateway_http_connections %ld\n", atomic_load(&http_connections));
	buf_printf(&b, "# HELP telemetrics_gateway_http_requests_in_flight Requests received and not yet answered.\n"
			   "# TYPE telemetrics_gateway_http_requests_in_flight gauge\n"
			   "telemetrics_gateway_http_requests_in_flight %ld\n", atomic_load(&inflight));

	buf_printf(&b, "# HELP telemetrics_gateway_records_total Records by outcome: stored (201), duplicate (200), rejected.\n"
			   "# TYPE telemetrics_gateway_records_total counter\n");
	for (i = 0; i < 3; i++)
		buf_printf(&b, "telemetrics_gateway_records_total{outcome=\"%s\"} %llu\n",
				   outcome_names[i], GET(records[i]));

	buf_printf(&b, "# HELP telemetrics_gateway_rejections_total Rejected records by SQLSTATE.\n"
			   "# TYPE telemetrics_gateway_rejections_total counter\n");
	for (i = 0; i < atomic_load(&nrejections); i++)
		buf_printf(&b, "telemetrics_gateway_rejections_total{sqlstate=\"%s\"} %llu\n",
				   rejections[i].sqlstate, GET(rejections[i].count));
	if (GET(rejections_other) > 0)
		buf_printf(&b, "telemetrics_gateway_rejections_total{sqlstate=\"other\"} %llu\n",
				   GET(rejections_other));

	buf_printf(&b, "# HELP telemetrics_gateway_db_errors_total Database errors: failed connection attempts, lost connections, failed statements (not those answered 4xx).\n"
			   "# TYPE telemetrics_gateway_db_errors_total counter\n");
	for (i = 0; i < 3; i++)
		buf_printf(&b, "telemetrics_gateway_db_errors_total{kind=\"%s\"} %llu\n",
				   dberr_names[i], GET(db_errors[i]));
	buf_printf(&b, "# HELP telemetrics_gateway_db_connects_total Database connections established.\n"
			   "# TYPE telemetrics_gateway_db_connects_total counter\n"
			   "telemetrics_gateway_db_connects_total %llu\n", GET(db_connects));
	buf_printf(&b, "# HELP telemetrics_gateway_db_reconnects_total Database connections re-established after a failure.\n"
			   "# TYPE telemetrics_gateway_db_reconnects_total counter\n"
			   "telemetrics_gateway_db_reconnects_total %llu\n", GET(db_reconnects));
	buf_printf(&b, "# HELP telemetrics_gateway_db_connections Database connections up.\n"
			   "# TYPE telemetrics_gateway_db_connections gauge\n"
			   "telemetrics_gateway_db_connections %ld\n", atomic_load(&db_connections));

	buf_printf(&b, "# HELP telemetrics_gateway_queue_depth Requests waiting for a database worker.\n"
			   "# TYPE telemetrics_gateway_queue_depth gauge\n"
			   "telemetrics_gateway_queue_depth %ld\n", atomic_load(&queue_depth));
	buf_printf(&b, "# HELP telemetrics_gateway_queue_timeouts_total Requests answered 503 because no database worker took them in time.\n"
			   "# TYPE telemetrics_gateway_queue_timeouts_total counter\n"
			   "telemetrics_gateway_queue_timeouts_total %llu\n", GET(queue_timeouts));
	buf_printf(&b, "# HELP telemetrics_gateway_request_timeouts_total Connections closed because a request took over --request-timeout to arrive.\n"
			   "# TYPE telemetrics_gateway_request_timeouts_total counter\n"
			   "telemetrics_gateway_request_timeouts_total %llu\n", GET(request_timeouts));

	buf_printf(&b, "# HELP telemetrics_gateway_batch_size Records per ingest_batch call (one transaction).\n"
			   "# TYPE telemetrics_gateway_batch_size histogram\n");
	cum = 0;
	for (s = 0; s < NBATCH; s++)
	{
		cum += GET(batch_bucket[s]);
		buf_printf(&b, "telemetrics_gateway_batch_size_bucket{le=\"%u\"} %llu\n", batch_bounds[s], cum);
	}
	buf_printf(&b, "telemetrics_gateway_batch_size_bucket{le=\"+Inf\"} %llu\n"
			   "telemetrics_gateway_batch_size_sum %llu\n"
			   "telemetrics_gateway_batch_size_count %llu\n",
			   GET(batch_count), GET(batch_sum), GET(batch_count));
	buf_printf(&b, "# HELP telemetrics_gateway_batch_duration_seconds Time of one ingest_batch call, commit included.\n"
			   "# TYPE telemetrics_gateway_batch_duration_seconds histogram\n");
	render_latency(&b, "telemetrics_gateway_batch_duration_seconds", "", &batch_latency);

	return buf_steal(&b, len);
}
