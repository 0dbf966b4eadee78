/*-------------------------------------------------------------------------
 *
 * static.h
 *		The UI's files, served from --ui-dir through a fixed allow-list.
 *
 * A URL is looked up in the allow-list in static.c; the file it names is a
 * fixed relative path under --ui-dir.  No part of the URL ever becomes
 * part of a file name, so there is nothing to traverse.
 *
 *-------------------------------------------------------------------------
 */
#ifndef GW_STATIC_H
#define GW_STATIC_H

struct MHD_Response;

/* One allowed file. */
struct gw_static_file
{
	const char *url;			/* exact request path */
	const char *file;			/* path relative to --ui-dir */
	const char *content_type;
};

extern const struct gw_static_file static_files[];

/* static_lookup: the allow-list entry for url, or NULL. */
extern const struct gw_static_file *static_lookup(const char *url);

/*
 * static_response
 *		A response for the file (the caller queues and destroys it), with
 *		Content-Type, an ETag and Cache-Control: no-cache.  If if_none_match
 *		equals the file's current ETag, the response is an empty 304.  Sets
 *		*status.  Returns NULL when there is no UI directory or the file
 *		cannot be opened (*status = 404), or when out of memory (*status =
 *		503).
 */
extern struct MHD_Response *static_response(const struct gw_static_file *f,
											 const char *if_none_match,
											 unsigned *status);

#endif							/* GW_STATIC_H */
