/*
 * catalog_sql.h: the SQL text of the catalog's queries, kept in one place
 * so that the catalog and its test (which checks the query plans with
 * EXPLAIN QUERY PLAN) run the very same text.  Internal: only catalog.c
 * and tests/unit/check_catalog.c include it, which is why it lives
 * beside catalog.c and not under include/.
 *
 * No statement here is ever built from values: every value is a bound
 * parameter.  The listing statements share one numbering of parameters
 * (CATALOG_P_*), so one function binds them all; a statement may leave
 * some unused.
 */
#ifndef IMAGED_CATALOG_SQL_H
#define IMAGED_CATALOG_SQL_H

/* Parameters of the listing statements. */
#define CATALOG_P_USER		1	/* user_id */
#define CATALOG_P_LO		2	/* smallest created_at wanted */
#define CATALOG_P_HI		3	/* largest created_at wanted */
#define CATALOG_P_AFTER_AT	4	/* cursor's created_at, NULL: none */
#define CATALOG_P_AFTER_ID	5	/* cursor's image_id */
#define CATALOG_P_TITLE		6	/* title substring, NULL: any */
#define CATALOG_P_LOCATION	7	/* location substring, NULL: any */
/* rows wanted (the page and one more) */
#define CATALOG_P_LIMIT		8
#define CATALOG_P_MATCH		9	/* FTS5 query */

/* The columns of struct image_record, in the order catalog.c reads them. */
#define CATALOG_COLS							\
	"i.image_id, i.user_id, i.filename, i.s3_key, i.content_type, "	\
	"i.file_size, i.checksum_sha256, i.width, i.height, i.title, "	\
	"i.description, i.location, i.tags, i.created_at, i.updated_at"

/*
 * The filters every listing statement checks on the row itself.  The
 * substring tests are ASCII case-insensitive (SQLite's lower() folds only
 * ASCII) and literal: instr() has no wildcards, so '%', '_' and quotes
 * are ordinary characters.  They are the definition of a match even where
 * the trigram index found the candidates (its folding is a superset of
 * ASCII's, so it never loses a row that these accept).
 */
#define CATALOG_SQL_RESIDUAL						\
	" AND i.state = 0"						\
	" AND (?6 IS NULL OR instr(lower(i.title), lower(?6)) > 0)"	\
	" AND (?7 IS NULL OR instr(lower(i.location), lower(?7)) > 0)"

/* The keyset condition on the cursor's image_id, for a created_at tie. */
#define CATALOG_SQL_TIE_DESC						\
	" AND (?4 IS NULL OR i.created_at <> ?4 OR i.image_id < ?5)"
#define CATALOG_SQL_TIE_ASC						\
	" AND (?4 IS NULL OR i.created_at <> ?4 OR i.image_id > ?5)"

/*
 * One user's images: a range scan of images_user (user_id, created_at,
 * image_id); INDEXED BY makes any other plan a prepare error.
 */
#define CATALOG_SQL_LIST_USER_(dir, tie)				\
	"SELECT " CATALOG_COLS						\
	" FROM images AS i INDEXED BY images_user"			\
	" WHERE i.user_id = ?1 AND i.created_at BETWEEN ?2 AND ?3"	\
	tie CATALOG_SQL_RESIDUAL					\
	" ORDER BY i.created_at " dir " LIMIT ?8"
#define CATALOG_SQL_LIST_USER_DESC					\
	CATALOG_SQL_LIST_USER_("DESC", CATALOG_SQL_TIE_DESC)
#define CATALOG_SQL_LIST_USER_ASC					\
	CATALOG_SQL_LIST_USER_("ASC", CATALOG_SQL_TIE_ASC)

/*
 * Every user, candidates from the trigram index: FTS5 walks its rowids
 * (= created_at) in the wanted order within the bounds, so the page stops
 * after limit + 1 matches.  CROSS JOIN keeps the index as the outer loop.
 */
#define CATALOG_SQL_LIST_FTS_(dir, tie)					\
	"SELECT " CATALOG_COLS " FROM images_fts"			\
	" CROSS JOIN images AS i ON i.created_at = images_fts.rowid"	\
	" WHERE images_fts MATCH ?9"					\
	" AND images_fts.rowid BETWEEN ?2 AND ?3"			\
	tie CATALOG_SQL_RESIDUAL					\
	" ORDER BY images_fts.rowid " dir " LIMIT ?8"
#define CATALOG_SQL_LIST_FTS_DESC					\
	CATALOG_SQL_LIST_FTS_("DESC", CATALOG_SQL_TIE_DESC)
#define CATALOG_SQL_LIST_FTS_ASC					\
	CATALOG_SQL_LIST_FTS_("ASC", CATALOG_SQL_TIE_ASC)

/*
 * Every user, walking the table itself (its rowid is created_at) within
 * the date bounds: the listing with no filter, or with substrings too
 * short for trigrams.
 */
#define CATALOG_SQL_LIST_SCAN_(dir, tie)				\
	"SELECT " CATALOG_COLS " FROM images AS i"			\
	" WHERE i.created_at BETWEEN ?2 AND ?3"				\
	tie CATALOG_SQL_RESIDUAL					\
	" ORDER BY i.created_at " dir " LIMIT ?8"
#define CATALOG_SQL_LIST_SCAN_DESC					\
	CATALOG_SQL_LIST_SCAN_("DESC", CATALOG_SQL_TIE_DESC)
#define CATALOG_SQL_LIST_SCAN_ASC					\
	CATALOG_SQL_LIST_SCAN_("ASC", CATALOG_SQL_TIE_ASC)

/*
 * The sorted streams that tag listings merge and intersect: ?1 is the tag
 * (or the user), ?2 and ?3 the bounds; a seek rebinds one bound and
 * restarts the statement.  Each is a range scan of a covering index.
 */
#define CATALOG_SQL_TAG_CUR_(dir)					\
	"SELECT created_at FROM image_tags"				\
	" WHERE tag = ?1 AND created_at BETWEEN ?2 AND ?3"		\
	" ORDER BY created_at " dir
#define CATALOG_SQL_TAG_CUR_DESC	CATALOG_SQL_TAG_CUR_("DESC")
#define CATALOG_SQL_TAG_CUR_ASC		CATALOG_SQL_TAG_CUR_("ASC")

#define CATALOG_SQL_USER_CUR_(dir)					\
	"SELECT created_at FROM images INDEXED BY images_user"		\
	" WHERE user_id = ?1 AND created_at BETWEEN ?2 AND ?3"		\
	" ORDER BY created_at " dir
#define CATALOG_SQL_USER_CUR_DESC	CATALOG_SQL_USER_CUR_("DESC")
#define CATALOG_SQL_USER_CUR_ASC	CATALOG_SQL_USER_CUR_("ASC")

/* One candidate of a stream, checked against the other filters. */
#define CATALOG_SQL_ROW							\
	"SELECT " CATALOG_COLS " FROM images AS i"			\
	" WHERE i.created_at = ?2" CATALOG_SQL_RESIDUAL

#endif
