/*-------------------------------------------------------------------------
 *
 * test_errors.c
 *		Unit tests of the SQLSTATE -> HTTP table, the gateway error codes
 *		and the JSON error bodies.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "errors.h"
#include "test.h"

static void
expect(const char *sqlstate, unsigned status)
{
	bool		log_it;
	unsigned	got = err_http_status(sqlstate, &log_it);

	CHECK(got == status, "SQLSTATE %s -> %u (got %u)", sqlstate ? sqlstate : "NULL", status, got);
}

int
main(void)
{
	size_t		len;
	char	   *body;
	json_t	   *j;
	bool		log_it;
	int			e;

	/* the rejections of ingest_batch (HACKING.md) */
	expect("28000", 400);
	expect("23502", 400);
	expect("22023", 400);
	expect("22003", 400);
	expect("22001", 400);
	expect("22007", 400);
	expect("22P02", 400);
	expect("22021", 400);
	expect("54000", 413);
	/* style.md G.4 */
	expect("08006", 503);
	expect("08001", 503);
	expect("53300", 503);
	expect("57P01", 503);
	expect("57014", 503);
	expect("23514", 400);
	expect("23505", 409);
	expect("23503", 409);
	expect("25006", 405);
	expect("42501", 403);
	expect("P0002", 404);
	expect("42883", 500);
	expect("42P01", 500);
	expect("XX000", 500);
	expect("40P01", 503);
	expect("40001", 503);
	/* anything else, and nonsense */
	expect("0A000", 500);
	expect("23P01", 500);
	expect(NULL, 500);
	expect("", 500);
	expect("2", 500);
	expect("220230", 500);

	err_http_status("XX000", &log_it);
	CHECK(log_it, "an internal error is logged");
	err_http_status("08006", &log_it);
	CHECK(!log_it, "an unreachable database is not logged per request");
	err_http_status("22023", &log_it);
	CHECK(!log_it, "a client error is not logged");

	for (e = 0; e < GW_NUM_ERRORS; e++)
	{
		const char *code = err_code((enum gw_error) e);
		unsigned	s = err_status((enum gw_error) e);

		CHECK(strlen(code) == 5 && strncmp(code, "GW", 2) == 0 &&
			  code[2] >= '0' && code[2] <= '3', "gateway error %d has a GWgxx code (%s)", e, code);
		CHECK(s >= 400 && s < 600, "gateway error %s has an error status (%u)", code, s);
		CHECK(s != 500 || e == GW_ERR_DB_PROTOCOL, "only GW006 is a 500 (%s)", code);
	}
	CHECK(err_status(GW_ERR_BODY_TOO_LARGE) == 413 && strcmp(err_code(GW_ERR_BODY_TOO_LARGE), "GW101") == 0,
		  "GW101 is 413");
	CHECK(err_status(GW_ERR_NOT_FOUND) == 404 && strcmp(err_code(GW_ERR_NOT_FOUND), "GW201") == 0,
		  "GW201 is 404");
	CHECK(err_status(GW_ERR_CONTENT_TYPE) == 415, "GW102 is 415");
	CHECK(err_status(GW_ERR_DB_UNAVAILABLE) == 503, "GW001 is 503");

	body = err_body("22023", "architecture is invalid", NULL, "a \"hint\"\n", &len);
	j = json_loads(body, 0, NULL);
	CHECK(j != NULL && json_object_size(j) == 4, "the error body is a JSON object of 4 members");
	CHECK(j && strcmp(json_string_value(json_object_get(j, "code")), "22023") == 0, "code");
	CHECK(j && strcmp(json_string_value(json_object_get(j, "message")), "architecture is invalid") == 0,
		  "message");
	CHECK(j && json_is_null(json_object_get(j, "details")), "details is null when absent");
	CHECK(j && strcmp(json_string_value(json_object_get(j, "hint")), "a \"hint\"\n") == 0,
		  "hint is escaped and round-trips");
	CHECK(len == strlen(body), "length");
	json_decref(j);
	free(body);

	body = err_body("GW103", "bad \xff byte", "caf\xe9", NULL, &len);
	j = json_loads(body, 0, NULL);
	CHECK(j && strcmp(json_string_value(json_object_get(j, "message")), "bad \xc3\xbf byte") == 0,
		  "a message that is not UTF-8 is read as Latin-1");
	CHECK(j && strcmp(json_string_value(json_object_get(j, "details")), "caf\xc3\xa9") == 0,
		  "details too");
	json_decref(j);
	free(body);

	return test_done();
}
