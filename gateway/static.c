/*-------------------------------------------------------------------------
 *
 * static.c
 *		Serve the UI's files from a fixed allow-list (see static.h).
 *
 * Files are opened per request (they are small, and the UI can be updated
 * without a restart) and handed to MHD as a file descriptor, which MHD
 * sends with sendfile(2) and closes.  To serve a new file, add a row.
 *
 *-------------------------------------------------------------------------
 */
#include "static.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "gateway.h"
#include "log.h"

#define HTML	"text/html; charset=utf-8"
#define JS		"text/javascript; charset=utf-8"
#define CSS		"text/css; charset=utf-8"

/*
 * The allow-list.  Vendor files from npm are served from their place in
 * ui/node_modules under a stable URL.
 */
const struct gw_static_file static_files[] = {
	{"/", "index.html", HTML},
	{"/index.html", "index.html", HTML},
	{"/app.js", "app.js", JS},
	{"/lib.js", "lib.js", JS},
	{"/charts.js", "charts.js", JS},
	{"/views/records.js", "views/records.js", JS},
	{"/views/crashes.js", "views/crashes.js", JS},
	{"/views/fleet.js", "views/fleet.js", JS},
	{"/views/manage.js", "views/manage.js", JS},
	{"/style.css", "style.css", CSS},
	{"/vendor/chart.umd.js", "node_modules/chart.js/dist/chart.umd.js", JS},
	{NULL, NULL, NULL}
};

/* What HTML pages may load: only their own origin's files. */
#define HTML_CSP "default-src 'self'; script-src 'self'; object-src 'none'; img-src 'self' data:; " \
	"style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

const struct gw_static_file *
static_lookup(const char *url)
{
	const struct gw_static_file *f;

	for (f = static_files; f->url != NULL; f++)
		if (strcmp(f->url, url) == 0)
			return f;
	return NULL;
}

struct MHD_Response *
static_response(const struct gw_static_file *f, const char *if_none_match,
				unsigned *status)
{
	char		path[4096];
	char		etag[64];
	struct stat st;
	struct MHD_Response *resp;
	int			fd;

	*status = 404;
	if (gw_config.ui_dir == NULL)
		return NULL;
	if ((size_t) snprintf(path, sizeof(path), "%s/%s", gw_config.ui_dir, f->file) >= sizeof(path))
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
	{
		gw_log(GW_LOG_WARN, "could not open UI file \"%s\": %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
	{
		gw_log(GW_LOG_WARN, "UI file \"%s\" is not a regular file", path);
		close(fd);
		return NULL;
	}
	snprintf(etag, sizeof(etag), "\"%llx-%llx\"",
			 (unsigned long long) st.st_size,
			 (unsigned long long) st.st_mtim.tv_sec * 1000000000ULL +
			 (unsigned long long) st.st_mtim.tv_nsec);

	if (if_none_match != NULL && strcmp(if_none_match, etag) == 0)
	{
		close(fd);
		resp = MHD_create_response_from_buffer(0, (void *) "", MHD_RESPMEM_PERSISTENT);
		*status = 304;
	}
	else
	{
		resp = MHD_create_response_from_fd((size_t) st.st_size, fd);
		if (resp == NULL)
			close(fd);
		*status = 200;
	}
	if (resp == NULL)
	{
		*status = 503;
		return NULL;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, f->content_type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	if (strcmp(f->content_type, HTML) == 0)
		MHD_add_response_header(resp, "Content-Security-Policy", HTML_CSP);
	return resp;
}
