/*-------------------------------------------------------------------------
 *
 * ingest.c
 *		Transport normalization for the ingest routes (see ingest.h).
 *
 * Field names are recognized by the extension's own tm_field_lookup
 * (extension/fields.c, pure C, linked into the gateway), so that the
 * gateway forwards exactly the headers the extension would read.  Fields
 * go out under their canonical names ("record_format_version").  The v2
 * JSON object is written directly (text_json_string escapes the values):
 * it is the hot path, and a jansson object per request cost more than
 * the rest of the request's handling.
 *
 *-------------------------------------------------------------------------
 */
#include "ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "fields.h"
#include "text.h"
#include "v3flat.h"

bool		ingest_v3_flat = true;

/*
 * Fill *err with a gateway error and its texts (details may be NULL).  The
 * copies for the quarantine are left as they are (NULL, or set by the
 * caller).
 */
static void
set_error(struct gw_ingest_error *err, enum gw_error e, const char *message,
		  const char *details)
{
	err->error = e;
	snprintf(err->message, sizeof(err->message), "%s", message);
	snprintf(err->details, sizeof(err->details), "%s", details ? details : "");
}

bool
ingest_error_kept(enum gw_error e)
{
	return e == GW_ERR_MALFORMED_JSON || e == GW_ERR_NOT_OBJECT ||
		e == GW_ERR_PAYLOAD || e == GW_ERR_NUL_CHARACTER;
}

void
ingest_error_free(struct gw_ingest_error *err)
{
	free(err->fields);
	free(err->tid);
	err->fields = err->tid = NULL;
	err->fields_len = err->tid_len = 0;
}

void
ingest_record_free(struct gw_record *rec)
{
	free(rec->fields);
	free(rec->payload_owned);
	free(rec->tid);
	memset(rec, 0, sizeof(*rec));
}

/*
 * A malloc'd UTF-8 copy of a header value; false when out of memory.  A
 * NUL byte is shown as U+FFFD and sets *nul (the caller refuses the
 * request, and the copy is for the quarantine only).
 */
static bool
header_text(const char *value, size_t len, char **out, size_t *out_len, bool *nul)
{
	if (len > 0 && memchr(value, '\0', len) != NULL)
		*nul = true;
	*out = text_to_utf8_shown(value, len, out_len);
	return *out != NULL;
}

void
ingest_v2_begin(struct gw_v2 *v2)
{
	memset(v2, 0, sizeof(*v2));
	buf_init(&v2->fields);
	buf_append(&v2->fields, "{", 1);
}

void
ingest_v2_header(struct gw_v2 *v2, const char *name, size_t name_len,
				 const char *value, size_t value_len)
{
	int			f;

	if (v2->failed)
		return;
	f = tm_field_lookup(name, name_len);
	if (f < 0)
		return;
	if (f == TM_X_TELEMETRY_TID)
	{
		if (v2->tid != NULL)
			return;				/* the first one wins */
		if (!header_text(value, value_len, &v2->tid, &v2->tid_len, &v2->nul))
			v2->failed = true;
		return;
	}
	if (v2->seen & (1u << f))
		return;					/* the first one wins */
	v2->seen |= 1u << f;
	/* "name":"value", written directly: names are plain ASCII */
	if (v2->fields.len > 1)
		buf_append(&v2->fields, ",", 1);
	buf_append(&v2->fields, "\"", 1);
	buf_append(&v2->fields, tm_field_names[f], strlen(tm_field_names[f]));
	buf_append(&v2->fields, "\":", 2);
	if (value_len > 0 && memchr(value, '\0', value_len) != NULL)
	{
		/* refused at the end; the quarantine's copy shows the NUL */
		char	   *shown;
		size_t		shown_len;

		v2->nul = true;
		shown = text_to_utf8_shown(value, value_len, &shown_len);
		if (shown == NULL)
		{
			v2->failed = true;
			return;
		}
		text_json_string(&v2->fields, shown, shown_len);
		free(shown);
		return;
	}
	text_json_string(&v2->fields, value, value_len);
}

bool
ingest_v2_end(struct gw_v2 *v2, const char *body, size_t body_len,
			  struct gw_record *rec, struct gw_ingest_error *err)
{
	bool		ok = false;

	memset(rec, 0, sizeof(*rec));
	memset(err, 0, sizeof(*err));
	buf_append(&v2->fields, "}", 1);
	if (v2->failed || buf_failed(&v2->fields))
	{
		set_error(err, GW_ERR_OUT_OF_MEMORY, "out of memory", NULL);
		goto done;
	}
	if (v2->nul)
	{
		set_error(err, GW_ERR_NUL_CHARACTER, "a header value contains a NUL byte", NULL);
		err->fields = buf_steal(&v2->fields, &err->fields_len);
		err->tid = v2->tid;
		err->tid_len = v2->tid_len;
		v2->tid = NULL;
		goto done;
	}
	rec->fields = buf_steal(&v2->fields, &rec->fields_len);
	if (rec->fields == NULL)
	{
		set_error(err, GW_ERR_OUT_OF_MEMORY, "out of memory", NULL);
		goto done;
	}
	rec->payload = body;
	rec->payload_len = body_len;
	rec->tid = v2->tid;
	rec->tid_len = v2->tid_len;
	v2->tid = NULL;
	ok = true;

done:
	buf_free(&v2->fields);
	free(v2->tid);
	v2->tid = NULL;
	if (!ok)
		ingest_record_free(rec);
	return ok;
}

/* find_nul: does any string inside v hold U+0000? */
static bool
find_nul(json_t *v)
{
	const char *key;
	json_t	   *item;
	size_t		i;

	switch (json_typeof(v))
	{
		case JSON_STRING:
			return memchr(json_string_value(v), '\0', json_string_length(v)) != NULL;
		case JSON_OBJECT:
			json_object_foreach(v, key, item)
			{
				if (find_nul(item))
					return true;
			}
			return false;
		case JSON_ARRAY:
			json_array_foreach(v, i, item)
			{
				if (find_nul(item))
					return true;
			}
			return false;
		default:
			return false;
	}
}

/*
 * write_object
 *		The JSON text of a parsed object (malloc'd; NULL when out of memory).
 *		String members, nearly all of them, are written with
 *		text_json_string; anything else with json_dumps.  Keys and strings
 *		hold no NUL (checked before).
 */
static char *
write_object(json_t *obj, size_t *len)
{
	struct gw_buf b;
	const char *key;
	json_t	   *item;
	bool		first = true;

	buf_init(&b);
	buf_append(&b, "{", 1);
	json_object_foreach(obj, key, item)
	{
		if (!first)
			buf_append(&b, ",", 1);
		first = false;
		text_json_string(&b, key, strlen(key));
		buf_append(&b, ":", 1);
		if (json_is_string(item))
			text_json_string(&b, json_string_value(item), json_string_length(item));
		else
		{
			char	   *v = json_dumps(item, JSON_COMPACT | JSON_ENCODE_ANY);

			if (v == NULL)
			{
				buf_free(&b);
				return NULL;
			}
			buf_append(&b, v, strlen(v));
			free(v);
		}
	}
	buf_append(&b, "}", 1);
	return buf_steal(&b, len);
}

/*
 * v3_from_flat
 *		Fill rec's fields and payload from a body v3flat could read, to the
 *		bytes the jansson path below would give.  False when the body has
 *		no "payload" member (the jansson path gives the error) or memory
 *		ran out; rec then has neither.
 */
static bool
v3_from_flat(const struct v3flat *f, const char *external, struct gw_record *rec)
{
	const struct v3flat_member *payload = NULL;
	struct gw_buf b;
	bool		has_external = false;
	bool		first = true;
	int			i;

	for (i = 0; i < f->nmembers; i++)
		if (f->members[i].key_len == 7 && memcmp(f->members[i].key, "payload", 7) == 0)
			payload = &f->members[i];
	if (payload == NULL)
		return false;

	buf_init(&b);
	buf_append(&b, "{", 1);
	for (i = 0; i < f->nmembers; i++)
	{
		const struct v3flat_member *m = &f->members[i];

		if (m == payload)
			continue;
		if (!first)
			buf_append(&b, ",", 1);
		first = false;
		text_json_string(&b, m->key, m->key_len);
		buf_append(&b, ":", 1);
		text_json_string(&b, m->value, m->value_len);
		if (tm_field_lookup(m->key, m->key_len) == TM_X_CLR_EXTERNAL)
			has_external = true;
	}
	if (external != NULL && !has_external)
	{
		const char *name = tm_field_names[TM_X_CLR_EXTERNAL];
		char	   *text = NULL;
		size_t		len;
		bool		nul = false;

		if (!header_text(external, strlen(external), &text, &len, &nul))
		{
			buf_free(&b);
			return false;
		}
		if (!first)
			buf_append(&b, ",", 1);
		text_json_string(&b, name, strlen(name));
		buf_append(&b, ":", 1);
		text_json_string(&b, text, len);
		free(text);
	}
	buf_append(&b, "}", 1);
	rec->fields = buf_steal(&b, &rec->fields_len);
	if (rec->fields == NULL)
		return false;

	rec->payload_owned = malloc(payload->value_len + 1);
	if (rec->payload_owned == NULL)
	{
		free(rec->fields);
		rec->fields = NULL;
		return false;
	}
	memcpy(rec->payload_owned, payload->value, payload->value_len);
	rec->payload_owned[payload->value_len] = '\0';
	rec->payload = rec->payload_owned;
	rec->payload_len = payload->value_len;
	return true;
}

bool
ingest_v3(const char *body, size_t body_len, const char *tid,
		  const char *external, struct gw_record *rec,
		  struct gw_ingest_error *err)
{
	json_error_t jerr;
	json_t	   *root;
	json_t	   *payload;
	const char *key;
	json_t	   *item;
	bool		has_external = false;
	bool		nul = false;
	char		msg[256];
	char		details[256];

	memset(rec, 0, sizeof(*rec));
	memset(err, 0, sizeof(*err));
	if (tid != NULL)
	{
		if (!header_text(tid, strlen(tid), &rec->tid, &rec->tid_len, &nul))
		{
			set_error(err, GW_ERR_OUT_OF_MEMORY, "out of memory", NULL);
			return false;
		}
	}
	if (ingest_v3_flat)
	{
		struct v3flat f;
		bool		done = v3flat_read(body, body_len, &f) && v3_from_flat(&f, external, rec);

		v3flat_free(&f);
		if (done)
			return true;
	}

	root = json_loadb(body, body_len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (root == NULL)
	{
		snprintf(msg, sizeof(msg), "malformed JSON at line %d, column %d: %s",
				 jerr.line, jerr.column, jerr.text);
		snprintf(details, sizeof(details), "The error is at byte offset %d of the request body.",
				 jerr.position);
		set_error(err, GW_ERR_MALFORMED_JSON, msg, details);
		goto fail;
	}
	if (!json_is_object(root))
	{
		set_error(err, GW_ERR_NOT_OBJECT, "the request body must be a JSON object",
				  "A v3 record is one JSON object holding the record fields and \"payload\".");
		goto fail;
	}

	payload = json_object_get(root, "payload");
	if (payload == NULL)
	{
		set_error(err, GW_ERR_PAYLOAD, "JSON member \"payload\" is missing", NULL);
		goto fail;
	}
	if (!json_is_string(payload))
	{
		set_error(err, GW_ERR_PAYLOAD, "JSON member \"payload\" must be a string", NULL);
		goto fail;
	}
	rec->payload_len = json_string_length(payload);
	rec->payload_owned = malloc(rec->payload_len + 1);
	if (rec->payload_owned == NULL)
	{
		set_error(err, GW_ERR_OUT_OF_MEMORY, "out of memory", NULL);
		goto fail;
	}
	memcpy(rec->payload_owned, json_string_value(payload), rec->payload_len);
	rec->payload_owned[rec->payload_len] = '\0';
	rec->payload = rec->payload_owned;
	json_object_del(root, "payload");

	json_object_foreach(root, key, item)
	{
		if (find_nul(item))
		{
			snprintf(msg, sizeof(msg), "JSON member \"%.64s\" contains a NUL character (\\u0000)", key);
			set_error(err, GW_ERR_NUL_CHARACTER, msg,
					  "Only the payload may contain NUL characters.");
			goto fail;
		}
		if (tm_field_lookup(key, strlen(key)) == TM_X_CLR_EXTERNAL)
			has_external = true;
	}

	if (external != NULL && !has_external)
	{
		char	   *text = NULL;
		size_t		len;
		bool		ok;

		ok = header_text(external, strlen(external), &text, &len, &nul) &&
			json_object_set_new(root, tm_field_names[TM_X_CLR_EXTERNAL],
								json_stringn_nocheck(text, len)) == 0;
		free(text);
		if (!ok)
		{
			set_error(err, GW_ERR_OUT_OF_MEMORY, "out of memory", NULL);
			goto fail;
		}
	}

	rec->fields = write_object(root, &rec->fields_len);
	if (rec->fields == NULL)
	{
		set_error(err, GW_ERR_OUT_OF_MEMORY, "out of memory", NULL);
		goto fail;
	}
	json_decref(root);
	return true;

fail:
	json_decref(root);
	/* the telemetry id goes to the quarantine with the body */
	err->tid = rec->tid;
	err->tid_len = rec->tid_len;
	rec->tid = NULL;
	ingest_record_free(rec);
	return false;
}
