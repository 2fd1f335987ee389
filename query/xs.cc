/* xs.cc — the Xapian shim (see xs.h): the only C++ file of caselib. It
 * exists so that the rest of the program stays C: every exported function
 * is extern "C", runs its body inside guard(), which turns Xapian::Error
 * (not a std::exception in 1.4), std::exception and anything else into a
 * cl_err.h code and a message, and hands results back in malloc()ed C
 * structs. The model is notmuch's lib/database.cc and cyrus-imapd's
 * imap/xapian_wrap.cpp (which forgets std::exception). */
#include "xs.h"

#include <xapian.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <new>
#include <set>
#include <string>
#include <vector>

/* ---- handles ---------------------------------------------------------- */

struct xs_db {
	Xapian::Database rd;         /* read-only handle (or shards) */
	Xapian::WritableDatabase wr; /* the handle when writable */
	bool writable = false;
	bool spelling = false;
	bool remote = false; /* some shard is remote: no spelling/synonyms */

	Xapian::Database &db()
	{
		if (writable)
			return wr;
		return rd;
	}
};

struct xs_doc {
	Xapian::Document doc;
	Xapian::TermGenerator tg;
	std::string id; /* "" until set */
	bool any_text = false;
};

/* What one match needs while run_query fills the result. */
struct match_state {
	std::unique_ptr<Xapian::Enquire> enq;
	Xapian::MSet mset;
};

/* ---- the boundary ----------------------------------------------------- */

namespace {

/* Tries of a reopen, and runs of a query or expansion, that a writer's
 * commits may overtake (DatabaseModifiedError) before the error is
 * reported: see reopen_newest. */
constexpr int XS_REOPEN_TRIES = 10;

/* A query matching every document. Never Xapian::Query::MatchAll: that is
 * one static object whose reference count is not atomic (xapian/query.h
 * says so), and copying it from several server workers at once corrupted
 * the count and crashed a worker in ~intrusive_ptr. A new Query(string())
 * per call is the form Xapian recommends for threads. */
Xapian::Query match_all()
{
	return Xapian::Query(std::string());
}

/* Xapian::Error has no virtual functions in 1.4 (no dynamic_cast), but
 * get_type() names the most derived class. */
int xapian_code(const Xapian::Error &e)
{
	static const struct {
		const char *type;
		int code;
	} map[] = {
		{"DatabaseLockError", CL_EBUSY},
		{"DatabaseModifiedError", CL_EBUSY},
		{"DatabaseNotFoundError", CL_ENOTFOUND},
		{"DocNotFoundError", CL_ENOTFOUND},
		{"DatabaseCorruptError", CL_ECORRUPT},
		{"NetworkError", CL_ENET},
		{"NetworkTimeoutError", CL_ENET},
		{"QueryParserError", CL_EQUERY},
		{"WildcardError", CL_EQUERY},
		{"InvalidArgumentError", CL_EINVAL},
		{"UnimplementedError", CL_EUNSUPPORTED},
		{"FeatureUnavailableError", CL_EUNSUPPORTED},
		{"DatabaseVersionError", CL_ESCHEMA},
		{"DatabaseCreateError", CL_EIO},
	};
	const char *type = e.get_type();
	for (const auto &m : map)
		if (type && !std::strcmp(type, m.type))
			return m.code;
	return CL_EENGINE;
}

int fail_xapian(struct cl_errbuf *eb, const char *what, const Xapian::Error &e)
{
	const char *es = nullptr;
	const char *ctx = e.get_context().c_str();

	try {
		es = e.get_error_string();
	} catch (...) {
		es = nullptr;
	}
	return cl_fail(eb, xapian_code(e), "%s: %s: %s%s%s%s%s%s", what, e.get_type(),
		       e.get_msg().c_str(), *ctx ? " [" : "", ctx, *ctx ? "]" : "",
		       es && *es ? ": " : "", es && *es ? es : "");
}

/* Runs fn() and turns every exception into an error code. fn returns an
 * int code itself (CL_OK or a cl_fail(...) for errors it detects). */
template <typename F> int guard(struct cl_errbuf *eb, const char *what, F &&fn) noexcept
{
	try {
		return fn();
	} catch (const Xapian::Error &e) {
		return fail_xapian(eb, what, e);
	} catch (const std::bad_alloc &) {
		return cl_fail(eb, CL_ENOMEM, "%s: out of memory", what);
	} catch (const std::exception &e) {
		return cl_fail(eb, CL_EENGINE, "%s: C++ exception: %s", what, e.what());
	} catch (...) {
		return cl_fail(eb, CL_EENGINE, "%s: unknown C++ exception", what);
	}
}

/* malloc()ed NUL-terminated copy; throws std::bad_alloc (caught by guard). */
char *dup_bytes(const std::string &s)
{
	char *p = static_cast<char *>(std::malloc(s.size() + 1));
	if (!p)
		throw std::bad_alloc();
	std::memcpy(p, s.data(), s.size());
	p[s.size()] = '\0';
	return p;
}

template <typename T> T *calloc_n(size_t n)
{
	if (n == 0)
		return nullptr;
	T *p = static_cast<T *>(std::calloc(n, sizeof(T)));
	if (!p)
		throw std::bad_alloc();
	return p;
}

bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

/* The stemmer of a document or query language: Swedish and English only
 * (the languages the FTS5 engine stems too); anything else is not stemmed. */
Xapian::Stem lang_stemmer(const char *lang)
{
	if (lang && (!std::strcmp(lang, "sv") || !std::strcmp(lang, "swedish")))
		return Xapian::Stem("swedish");
	if (lang && (!std::strcmp(lang, "en") || !std::strcmp(lang, "english")))
		return Xapian::Stem("english");
	return Xapian::Stem();
}

/* A text prefix: "" or ASCII capitals, not starting with Q or Z. */
bool valid_text_prefix(const char *p)
{
	if (!p || !*p)
		return true;
	if (*p == 'Q' || *p == 'Z' || std::strlen(p) > 64)
		return false;
	for (; *p; p++)
		if (!is_upper(*p))
			return false;
	return true;
}

/* A boolean term or boolean field prefix: starts with a capital, not Q/Z. */
bool valid_boolean(const char *t)
{
	return t && is_upper(*t) && *t != 'Q' && *t != 'Z' && std::strlen(t) <= XS_TERM_MAX;
}

bool valid_id(const char *id)
{
	size_t n = id ? std::strlen(id) : 0;
	return n > 0 && n <= XS_ID_MAX;
}

/* Unprefixed free-text words: what spelling data is made of. */
bool spelling_word(const std::string &t)
{
	return !t.empty() && !is_upper(t[0]);
}

std::string fold(const std::string &s)
{
	return Xapian::Unicode::tolower(s);
}

bool is_blank(const char *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != '\f' && *s != '\v')
			return false;
	return true;
}

/* The words of s replaced by lowercase, except QueryParser operators (when
 * they have meaning) and boolean field:value tokens, whose values are
 * verbatim codes. */
std::string fold_query(const std::string &s, bool ops, const struct xs_query_opts *o)
{
	static const char *const opwords[] = {"AND", "OR", "NOT", "XOR", "NEAR", "ADJ", "SYN"};
	std::string out;
	size_t i = 0;

	while (i < s.size()) {
		size_t j = i;
		while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])))
			j++;
		std::string tok = s.substr(i, j - i);
		bool keep = false;
		if (ops) {
			for (const char *w : opwords) {
				size_t wl = std::strlen(w);
				if (tok == w || (tok.compare(0, wl, w) == 0 && tok.size() > wl &&
						 tok[wl] == '/'))
					keep = true;
			}
		}
		for (size_t f = 0; o && f < o->n_fields && !keep; f++) {
			const struct xs_field *fd = &o->fields[f];
			if (fd->boolean && fd->field) {
				std::string fl = std::string(fd->field) + ":";
				size_t at = tok.find(fl);
				if (at == 0 || (at == 1 && (tok[0] == '+' || tok[0] == '-')))
					keep = true;
			}
		}
		out += keep ? tok : fold(tok);
		while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j])))
			out += s[j++];
		i = j;
	}
	return out;
}

/* The text reduced to words: ASCII punctuation becomes space (UTF-8
 * multibyte sequences are kept), everything lowercased, so that no syntax
 * remains. */
std::string plain_words(const std::string &s)
{
	std::string t(s);
	for (char &c : t) {
		unsigned char u = static_cast<unsigned char>(c);
		if (u < 0x80 && !std::isalnum(u))
			c = ' ';
	}
	return fold(t);
}

/* Expansion terms for "similar": only words of the listed prefixes (after
 * a leading Z for stems), never boolean/facet/id terms, not stopwords, at
 * least two bytes, and found in some other document too (a term only the
 * source document has cannot find anything, yet the expansion weight
 * favours exactly those). */
class PrefixDecider : public Xapian::ExpandDecider {
	const Xapian::Database &db;
	std::set<std::string> prefixes;
	std::set<std::string> stop;

      public:
	PrefixDecider(const Xapian::Database &d, const struct xs_query_opts *o) : db(d)
	{
		if (o && o->expand_prefixes && o->n_expand_prefixes) {
			for (size_t i = 0; i < o->n_expand_prefixes; i++)
				if (o->expand_prefixes[i])
					prefixes.insert(o->expand_prefixes[i]);
		} else {
			prefixes.insert("");
		}
		for (size_t i = 0; o && o->stopwords && i < o->n_stopwords; i++)
			if (o->stopwords[i])
				stop.insert(o->stopwords[i]);
	}

	bool operator()(const std::string &term) const override
	{
		size_t at = (!term.empty() && term[0] == 'Z') ? 1 : 0;
		size_t p = at;
		while (p < term.size() && is_upper(term[p]))
			p++;
		if (!prefixes.count(term.substr(at, p - at)))
			return false;
		std::string word = term.substr(p);
		if (word.size() < 2 || stop.count(word))
			return false;
		return db.get_termfreq(term) > 1;
	}
};

bool has_stopword(const std::set<std::string> &stop, const std::string &w)
{
	return stop.count(w) != 0;
}

/* Checks the pointer/count pairs of o. */
int check_opts(const struct xs_query_opts *o, struct cl_errbuf *eb)
{
	if ((o->n_clauses && !o->clauses) || (o->n_fields && !o->fields) ||
	    (o->n_stopwords && !o->stopwords) || (o->n_filters && !o->filters) ||
	    (o->n_ranges && !o->ranges) || (o->n_sort_keys && !o->sort_keys) ||
	    (o->n_counts && !o->counts) || (o->n_expand_prefixes && !o->expand_prefixes) ||
	    (o->n_phrase_prefixes && !o->phrase_prefixes))
		return cl_fail(eb, CL_EINVAL, "xs: array option with a count but no array");
	for (size_t i = 0; i < o->n_phrase_prefixes; i++)
		if (!o->phrase_prefixes[i] || !*o->phrase_prefixes[i] ||
		    !valid_text_prefix(o->phrase_prefixes[i]))
			return cl_fail(eb, CL_EINVAL,
				       "xs: phrase prefix %zu must be ASCII capitals, not Q or Z", i);
	for (size_t i = 0; i < o->n_clauses; i++) {
		if (!o->clauses[i].text)
			return cl_fail(eb, CL_EINVAL, "xs: clause %zu has no text", i);
		enum xs_clause_kind k = o->clauses[i].kind;
		if (k != XS_C_WORD && k != XS_C_PHRASE && k != XS_C_PREFIX && k != XS_C_TERMS &&
		    k != XS_C_TERM_PHRASE)
			return cl_fail(eb, CL_EINVAL, "xs: clause %zu: bad kind", i);
		if (k != XS_C_TERMS && k != XS_C_TERM_PHRASE && !valid_text_prefix(o->clauses[i].prefix))
			return cl_fail(eb, CL_EINVAL, "xs: clause %zu: bad prefix", i);
	}
	for (size_t i = 0; i < o->n_fields; i++) {
		const struct xs_field *f = &o->fields[i];
		if (!f->field || !*f->field || !f->prefix)
			return cl_fail(eb, CL_EINVAL, "xs: field %zu: name and prefix required", i);
		if (f->boolean ? !valid_boolean(f->prefix) : !valid_text_prefix(f->prefix))
			return cl_fail(eb, CL_EINVAL, "xs: field \"%s\": bad prefix \"%s\"",
				       f->field, f->prefix);
	}
	for (size_t g = 0; g < o->n_filters; g++) {
		if (o->filters[g].n && !o->filters[g].terms)
			return cl_fail(eb, CL_EINVAL, "xs: filter group %zu has no terms", g);
		for (size_t i = 0; i < o->filters[g].n; i++) {
			const char *t = o->filters[g].terms[i];
			if (!t || !*t || std::strlen(t) > XS_TERM_MAX)
				return cl_fail(eb, CL_EINVAL, "xs: filter group %zu term %zu is bad",
					       g, i);
		}
	}
	for (size_t i = 0; i < o->n_ranges; i++) {
		const struct xs_range *r = &o->ranges[i];
		if (r->slot == Xapian::BAD_VALUENO || (!r->lo && !r->hi))
			return cl_fail(eb, CL_EINVAL, "xs: range %zu: bad slot or no bound", i);
	}
	for (size_t i = 0; i < o->n_sort_keys; i++)
		if (o->sort_keys[i].slot == Xapian::BAD_VALUENO)
			return cl_fail(eb, CL_EINVAL, "xs: sort key %zu: bad slot", i);
	if (o->sort != XS_SORT_RELEVANCE && o->sort != XS_SORT_KEYS &&
	    o->sort != XS_SORT_RELEVANCE_THEN_KEYS && o->sort != XS_SORT_KEYS_THEN_RELEVANCE)
		return cl_fail(eb, CL_EINVAL, "xs: bad sort");
	if (o->sort != XS_SORT_RELEVANCE && o->n_sort_keys == 0)
		return cl_fail(eb, CL_EINVAL, "xs: sorting by keys needs sort_keys");
	for (size_t i = 0; i < o->n_counts; i++)
		if (o->counts[i].slot == Xapian::BAD_VALUENO)
			return cl_fail(eb, CL_EINVAL, "xs: count %zu: bad slot", i);
	if (o->use_bm25 && (o->bm25.k1 < 0 || o->bm25.k2 < 0 || o->bm25.k3 < 0 ||
			    o->bm25.b < 0 || o->bm25.b > 1 || o->bm25.min_normlen < 0))
		return cl_fail(eb, CL_EINVAL, "xs: BM25 parameters out of range");
	if ((o->prf_docs || o->prf_terms) &&
	    (o->prf_docs > 1000 || o->prf_terms > 1000 || !(o->prf_weight >= 0) ||
	     o->prf_weight > 100))
		return cl_fail(eb, CL_EINVAL, "xs: feedback parameters out of range");
	return CL_OK;
}

/* The filters and ranges of o as one query, or an empty Query. */
Xapian::Query filter_query(const struct xs_query_opts *o)
{
	std::vector<Xapian::Query> parts;

	for (size_t g = 0; g < o->n_filters; g++) {
		const struct xs_filter_group *fg = &o->filters[g];
		if (fg->n == 0)
			continue;
		std::vector<Xapian::Query> alt;
		for (size_t i = 0; i < fg->n; i++)
			alt.emplace_back(fg->terms[i]);
		parts.emplace_back(Xapian::Query::OP_OR, alt.begin(), alt.end());
	}
	for (size_t i = 0; i < o->n_ranges; i++) {
		const struct xs_range *r = &o->ranges[i];
		std::string lo = r->lo ? std::string(r->lo, r->lo_len) : std::string();
		std::string hi = r->hi ? std::string(r->hi, r->hi_len) : std::string();
		if (r->lo && r->hi)
			parts.emplace_back(Xapian::Query::OP_VALUE_RANGE, r->slot, lo, hi);
		else if (r->lo)
			parts.emplace_back(Xapian::Query::OP_VALUE_GE, r->slot, lo);
		else
			parts.emplace_back(Xapian::Query::OP_VALUE_LE, r->slot, hi);
	}
	if (parts.empty())
		return Xapian::Query();
	return Xapian::Query(Xapian::Query::OP_AND, parts.begin(), parts.end());
}

Xapian::Query with_filters(const Xapian::Query &q, const struct xs_query_opts *o)
{
	Xapian::Query f = filter_query(o);
	if (f.empty())
		return q;
	return Xapian::Query(Xapian::Query::OP_FILTER, q, f);
}

/* A QueryParser set up for db and o (the stopper is borrowed). */
void setup_parser(Xapian::QueryParser &qp, struct xs_db *db, const struct xs_query_opts *o,
		  const Xapian::Stem &stem, const Xapian::Stopper *stop, bool or_mode)
{
	qp.set_database(db->db());
	qp.set_stemmer(stem);
	qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
	if (stop)
		qp.set_stopper(stop);
	qp.set_default_op(or_mode ? Xapian::Query::OP_OR : Xapian::Query::OP_AND);
	qp.set_max_expansion(o->max_wildcard ? o->max_wildcard : XS_DEFAULT_MAX_WILDCARD,
			     Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT,
			     Xapian::QueryParser::FLAG_WILDCARD | Xapian::QueryParser::FLAG_PARTIAL);
}

struct parse_state {
	int parsed_as_plain = 0;
};

/* Text mode: Xapian's QueryParser with the syntax o->flags allow. */
Xapian::Query parse_text(struct xs_db *db, const struct xs_query_opts *o, const Xapian::Stem &stem,
			 const Xapian::Stopper *stop, bool or_mode, parse_state &ps)
{
	std::string text(o->text ? o->text : "");
	if (is_blank(text.c_str()))
		return match_all();

	Xapian::QueryParser qp;
	setup_parser(qp, db, o, stem, stop, or_mode);
	for (size_t i = 0; i < o->n_fields; i++) {
		if (o->fields[i].boolean)
			qp.add_boolean_prefix(o->fields[i].field, o->fields[i].prefix);
		else
			qp.add_prefix(o->fields[i].field, o->fields[i].prefix);
	}
	unsigned flags = 0;
	if (o->flags & XS_Q_PHRASE)
		flags |= Xapian::QueryParser::FLAG_PHRASE;
	if (o->flags & XS_Q_WILDCARD)
		flags |= Xapian::QueryParser::FLAG_WILDCARD;
	if (o->flags & XS_Q_BOOLEAN)
		flags |= Xapian::QueryParser::FLAG_BOOLEAN | Xapian::QueryParser::FLAG_LOVEHATE;
	if (o->flags & XS_Q_FOLD_CASE)
		text = fold_query(text, o->flags & XS_Q_BOOLEAN, o);

	Xapian::Query q;
	try {
		q = qp.parse_query(text, flags);
	} catch (const Xapian::QueryParserError &) {
		if (!(o->flags & XS_Q_PLAIN_ON_ERROR))
			throw;
		Xapian::QueryParser plain;
		setup_parser(plain, db, o, stem, stop, or_mode);
		q = plain.parse_query(plain_words(text), 0);
		ps.parsed_as_plain = 1;
		return q.empty() ? match_all() : q;
	}
	return q.empty() ? match_all() : q;
}

/* The space-separated terms of text, each with prefix, as term queries. */
std::vector<Xapian::Query> prefixed_terms(const std::string &text, const std::string &prefix)
{
	std::vector<Xapian::Query> v;
	for (size_t i = 0, j; i <= text.size(); i = j + 1) {
		j = text.find(' ', i);
		if (j == std::string::npos)
			j = text.size();
		if (j > i)
			v.emplace_back(prefix + text.substr(i, j - i));
	}
	return v;
}

/* The term of v (term queries) that most documents have, as a query
 * (ranking: a set of forms weighs as its most frequent one). */
Xapian::Query most_frequent(Xapian::Database &d, const std::vector<Xapian::Query> &v)
{
	std::string best;
	Xapian::doccount bf = 0;
	for (const Xapian::Query &t : v) {
		std::string term = *t.get_terms_begin();
		Xapian::doccount f = d.get_termfreq(term);
		if (best.empty() || f > bf) {
			best = term;
			bf = f;
		}
	}
	return Xapian::Query(best);
}

/* An XS_C_TERMS or XS_C_TERM_PHRASE clause of text (the translations
 * already cut off) as a query. */
Xapian::Query clause_terms(struct xs_db *db, const struct xs_query_opts *o,
			   const struct xs_clause *c, std::string text, const std::string &prefix)
{
	std::string boost_text;
	if (c->kind == XS_C_TERMS && text.find('\t') != std::string::npos) {
		if (o->boost > 0)
			boost_text = text.substr(text.find('\t') + 1);
		text.erase(text.find('\t'));
	}
	if (c->kind == XS_C_TERMS || c->kind == XS_C_TERM_PHRASE) {
		std::vector<Xapian::Query> terms = prefixed_terms(text, prefix);
		if (c->kind == XS_C_TERMS && (o->flags & XS_Q_ONE_FORM) && !terms.empty()) {
			/* ranking: match any form, weigh the most frequent one */
			Xapian::Database &d = db->db();
			auto one = [&](const std::vector<Xapian::Query> &v) {
				return most_frequent(d, v);
			};
			std::vector<Xapian::Query> bt = prefixed_terms(boost_text, prefix);
			Xapian::Query w = one(terms);
			if (!bt.empty())
				w = Xapian::Query(Xapian::Query::OP_OR, w,
						  Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, one(bt),
								o->boost));
			if (terms.size() == 1)
				return w;
			return Xapian::Query(
				Xapian::Query::OP_AND_MAYBE,
				Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT,
					      Xapian::Query(Xapian::Query::OP_SYNONYM, terms.begin(),
							    terms.end()),
					      0.0),
				w);
		}
		if (c->kind == XS_C_TERMS && !boost_text.empty() && !terms.empty()) {
			/* ranking: a boosted subset (title forms) ORed in */
			std::vector<Xapian::Query> bt = prefixed_terms(boost_text, prefix);
			Xapian::Query base(Xapian::Query::OP_SYNONYM, terms.begin(), terms.end());
			if (bt.empty())
				return base;
			Xapian::Query boosted(Xapian::Query::OP_SCALE_WEIGHT,
					      Xapian::Query(Xapian::Query::OP_SYNONYM, bt.begin(),
							    bt.end()),
					      o->boost);
			return Xapian::Query(Xapian::Query::OP_OR, base, boosted);
		}
		if (terms.size() <= 1)
			return terms.empty() ? Xapian::Query() : terms[0];
		if (c->kind == XS_C_TERMS)
			return Xapian::Query(Xapian::Query::OP_SYNONYM, terms.begin(), terms.end());
		if (prefix.empty() && o->n_phrase_prefixes) {
			/* the free text has no positions: its terms weigh, a
			 * field's phrase decides (xs.h, phrase_prefixes) */
			std::vector<Xapian::Query> in_fields;
			for (size_t i = 0; i < o->n_phrase_prefixes; i++) {
				std::vector<Xapian::Query> ft =
				    prefixed_terms(text, o->phrase_prefixes[i]);
				in_fields.emplace_back(Xapian::Query::OP_PHRASE, ft.begin(), ft.end(),
						       static_cast<Xapian::termcount>(ft.size()));
			}
			return Xapian::Query(
			    Xapian::Query::OP_FILTER,
			    Xapian::Query(Xapian::Query::OP_AND, terms.begin(), terms.end()),
			    Xapian::Query(Xapian::Query::OP_OR, in_fields.begin(), in_fields.end()));
		}
		return Xapian::Query(Xapian::Query::OP_PHRASE, terms.begin(), terms.end(),
				     static_cast<Xapian::termcount>(terms.size()));
	}
	return Xapian::Query();
}

/* One clause as a query (empty when it holds no word). */
Xapian::Query clause_query_own(struct xs_db *db, const struct xs_query_opts *o,
				const Xapian::Stem &stem,
				const struct xs_clause *c, parse_state &ps)
{
	std::string text(c->text);
	std::string prefix(c->prefix ? c->prefix : "");

	/* translations: a group ORed in with its own weight (xs.h) */
	std::string alt_text;
	if (c->kind == XS_C_TERMS && text.find('\v') != std::string::npos) {
		alt_text = text.substr(text.find('\v') + 1);
		text.erase(text.find('\v'));
		Xapian::Query base = clause_terms(db, o, c, text, prefix);
		/* one-word translations: one concept, all their terms; a
		 * translation of n words: their AND scaled by 1/n (it weighs
		 * as one word would); these ORed (summed, as FTS5 does: Xapian
		 * 1.4.22's OP_MAX crashed in get_mset on a feedback query of
		 * the real corpus). With
		 * XS_Q_ONE_FORM a set of forms matches as a whole but weighs
		 * as its most frequent term, as the word's own forms do, so
		 * that remote shards weigh it as one database does (a
		 * synonym's frequency is an estimate, per shard). */
		Xapian::Database &d = db->db();
		auto forms_query = [&](const std::vector<Xapian::Query> &v) {
			if (v.size() == 1)
				return v[0];
			Xapian::Query syn(Xapian::Query::OP_SYNONYM, v.begin(), v.end());
			if (!(o->flags & XS_Q_ONE_FORM))
				return syn;
			return Xapian::Query(Xapian::Query::OP_AND_MAYBE,
					     Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, syn, 0.0),
					     most_frequent(d, v));
		};
		std::vector<Xapian::Query> singles, groups;
		for (size_t i = 0, j; i <= alt_text.size(); i = j + 1) {
			j = alt_text.find('\v', i);
			if (j == std::string::npos)
				j = alt_text.size();
			std::vector<Xapian::Query> words;
			std::string g = alt_text.substr(i, j - i);
			for (size_t a = 0, b; a <= g.size(); a = b + 1) {
				b = g.find('\n', a);
				if (b == std::string::npos)
					b = g.size();
				std::vector<Xapian::Query> forms =
					prefixed_terms(g.substr(a, b - a), prefix);
				if (b == g.size() && a == 0) { /* a one-word translation */
					singles.insert(singles.end(), forms.begin(), forms.end());
					break;
				}
				if (!forms.empty())
					words.push_back(forms_query(forms));
			}
			if (words.size() == 1)
				groups.push_back(words[0]);
			else if (!words.empty())
				groups.emplace_back(
					Xapian::Query::OP_SCALE_WEIGHT,
					Xapian::Query(Xapian::Query::OP_AND, words.begin(), words.end()),
					1.0 / static_cast<double>(words.size()));
		}
		if (!singles.empty())
			groups.push_back(forms_query(singles));
		if (groups.empty() || base.empty())
			return base;
		return Xapian::Query(
			Xapian::Query::OP_OR, base,
			Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT,
				      groups.size() == 1
					      ? groups[0]
					      : Xapian::Query(Xapian::Query::OP_OR, groups.begin(),
							      groups.end()),
				      o->alt_weight > 0 ? o->alt_weight : 0.0));
	}
	if (c->kind == XS_C_TERMS || c->kind == XS_C_TERM_PHRASE)
		return clause_terms(db, o, c, text, prefix);
	if (o->flags & XS_Q_FOLD_CASE)
		text = fold(text);
	if (c->kind == XS_C_PREFIX) {
		if (is_blank(text.c_str()))
			return Xapian::Query();
		if (db->remote) {
			/* Remote shards would each expand OP_WILDCARD with their own
			 * terms and statistics: expand here, over all shards, into
			 * the OP_SYNONYM that OP_WILDCARD stands for, so that weights
			 * equal one database's (docs/operations.md). */
			std::vector<std::pair<Xapian::doccount, std::string>> found;
			Xapian::Database &d = db->db();
			std::string pt = prefix + text;
			for (Xapian::TermIterator t = d.allterms_begin(pt); t != d.allterms_end(pt); ++t)
				found.emplace_back(t.get_termfreq(), *t);
			size_t max = o->max_wildcard ? o->max_wildcard : XS_DEFAULT_MAX_WILDCARD;
			if (found.size() > max) {
				std::stable_sort(found.begin(), found.end(),
						 [](const std::pair<Xapian::doccount, std::string> &a,
						    const std::pair<Xapian::doccount, std::string> &b) {
							 return a.first > b.first;
						 });
				found.resize(max);
				std::sort(found.begin(), found.end(),
					  [](const std::pair<Xapian::doccount, std::string> &a,
					     const std::pair<Xapian::doccount, std::string> &b) {
						  return a.second < b.second;
					  });
			}
			if (found.empty())
				return Xapian::Query::MatchNothing;
			std::vector<Xapian::Query> terms;
			for (const auto &f : found)
				terms.emplace_back(f.second);
			return Xapian::Query(Xapian::Query::OP_SYNONYM, terms.begin(), terms.end());
		}
		return Xapian::Query(Xapian::Query::OP_WILDCARD, prefix + text,
				     o->max_wildcard ? o->max_wildcard : XS_DEFAULT_MAX_WILDCARD,
				     Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
	}
	Xapian::QueryParser qp;
	setup_parser(qp, db, o, stem, nullptr, false);
	unsigned flags = 0;
	if (c->kind == XS_C_PHRASE) {
		std::string t;
		for (char ch : text)
			t += ch == '"' ? ' ' : ch;
		text = "\"" + t + "\"";
		flags = Xapian::QueryParser::FLAG_PHRASE;
	}
	try {
		return qp.parse_query(text, flags, prefix);
	} catch (const Xapian::QueryParserError &) {
		ps.parsed_as_plain = 1;
		return qp.parse_query(plain_words(text), 0, prefix);
	}
}

/* A clause's query, and its or_term with no weight (xs.h). */
Xapian::Query clause_query(struct xs_db *db, const struct xs_query_opts *o,
			   const Xapian::Stem &stem,
			   const struct xs_clause *c, parse_state &ps)
{
	Xapian::Query q = clause_query_own(db, o, stem, c, ps);
	if (!c->or_term || !*c->or_term || c->negated)
		return q;
	Xapian::Query t(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(c->or_term), 0.0);
	return q.empty() ? t : Xapian::Query(Xapian::Query::OP_OR, q, t);
}

/* The documents matching clauses of at least two groups (xs.h
 * min_should): OR over groups g of (g AND (groups before g)). Empty when
 * fewer than two groups. */
Xapian::Query at_least_two(const std::vector<std::pair<unsigned, Xapian::Query>> &grouped)
{
	std::vector<unsigned> ids;
	std::vector<std::vector<Xapian::Query>> by;
	for (const auto &g : grouped) {
		size_t k = 0;
		while (k < ids.size() && ids[k] != g.first)
			k++;
		if (k == ids.size()) {
			ids.push_back(g.first);
			by.emplace_back();
		}
		by[k].push_back(g.second);
	}
	if (ids.size() < 2)
		return Xapian::Query();
	std::vector<Xapian::Query> one, parts;
	for (auto &v : by)
		one.emplace_back(Xapian::Query::OP_OR, v.begin(), v.end());
	for (size_t k = 1; k < one.size(); k++)
		for (size_t j = 0; j < k; j++)
			parts.emplace_back(Xapian::Query::OP_AND, one[k], one[j]);
	return Xapian::Query(Xapian::Query::OP_OR, parts.begin(), parts.end());
}

/* Clause mode: positives ANDed (or ORed), negatives excluded; stopword
 * WORD clauses dropped unless every positive clause is one. */
Xapian::Query build_clauses(struct xs_db *db, const struct xs_query_opts *o,
			    const Xapian::Stem &stem,
			    bool or_mode, parse_state &ps)
{
	std::set<std::string> stop;
	for (size_t i = 0; o->stopwords && i < o->n_stopwords; i++)
		if (o->stopwords[i])
			stop.insert(fold(o->stopwords[i]));

	bool any_content = false;
	for (size_t i = 0; i < o->n_clauses; i++) {
		const struct xs_clause *c = &o->clauses[i];
		if (!c->negated && !(c->kind == XS_C_WORD && has_stopword(stop, fold(c->text))))
			any_content = true;
	}
	std::vector<Xapian::Query> pos, neg;
	std::vector<std::pair<unsigned, Xapian::Query>> grouped;
	for (size_t i = 0; i < o->n_clauses; i++) {
		const struct xs_clause *c = &o->clauses[i];
		if (!c->negated && any_content && c->kind == XS_C_WORD &&
		    has_stopword(stop, fold(c->text)))
			continue;
		Xapian::Query q = clause_query(db, o, stem, c, ps);
		if (q.empty())
			continue;
		(c->negated ? neg : pos).push_back(q);
		if (!c->negated && c->group > 0) {
			/* the rule's side of a clause: its terms as a plain OR
			 * (a phrase: its own query) */
			std::vector<Xapian::Query> ts;
			if (c->kind == XS_C_TERMS)
				for (auto t = q.get_unique_terms_begin(); t != q.get_unique_terms_end(); ++t)
					ts.emplace_back(*t);
			grouped.emplace_back(c->group, ts.empty() ? q
								  : Xapian::Query(Xapian::Query::OP_OR,
										  ts.begin(), ts.end()));
		}
	}
	Xapian::Query q = match_all();
	if (!pos.empty())
		q = Xapian::Query(or_mode ? Xapian::Query::OP_OR : Xapian::Query::OP_AND, pos.begin(),
				  pos.end());
	if (or_mode && o->min_should >= 2 && !pos.empty()) {
		/* AND_NOT the documents outside the rule: its right side never
		 * weighs (xs.h min_should) */
		Xapian::Query two = at_least_two(grouped);
		if (!two.empty())
			q = Xapian::Query(Xapian::Query::OP_AND_NOT, q,
					  Xapian::Query(Xapian::Query::OP_AND_NOT, match_all(), two));
	}
	if (!neg.empty())
		q = Xapian::Query(Xapian::Query::OP_AND_NOT, q,
				  Xapian::Query(Xapian::Query::OP_OR, neg.begin(), neg.end()));
	return q;
}

/* Splits a multi-valued slot value into its distinct items. */
std::set<std::string> value_items(const std::string &v)
{
	std::set<std::string> items;
	size_t i = 0;
	while (i <= v.size()) {
		size_t j = v.find('\0', i);
		if (j == std::string::npos)
			j = v.size();
		if (j > i)
			items.insert(v.substr(i, j - i));
		i = j + 1;
	}
	return items;
}

/* Frees a result on scope exit unless released. */
struct result_holder {
	struct xs_result *r;
	explicit result_holder(struct xs_result *p) : r(p) {}
	~result_holder() { xs_result_free(r); }
	struct xs_result *release()
	{
		struct xs_result *p = r;
		r = nullptr;
		return p;
	}
	result_holder(const result_holder &) = delete;
	result_holder &operator=(const result_holder &) = delete;
};

/* A walk that a writer's commit overtook: CL_EBUSY (reopen, walk again). */
template <typename F> int walk_guard(struct cl_errbuf *eb, const char *what, F &&fn)
{
	return guard(eb, what, [&]() -> int {
		try {
			return fn();
		} catch (const Xapian::DatabaseModifiedError &e) {
			return cl_fail(eb, CL_EBUSY, "%s: the index changed during the walk: %s", what,
				       e.get_msg().c_str());
		}
	});
}

/* The caller's filter (xs_query_opts.decide). */
struct CallbackDecider : public Xapian::MatchDecider {
	int (*fn)(void *, unsigned);
	void *ud;
	CallbackDecider(int (*f)(void *, unsigned), void *u) : fn(f), ud(u) {}
	bool operator()(const Xapian::Document &doc) const override
	{
		return fn(ud, doc.get_docid()) != 0;
	}
};

/* Collects the docid of every match (the counting layer's match set). */
struct DocidSpy : public Xapian::MatchSpy {
	std::vector<unsigned> docids;
	void operator()(const Xapian::Document &doc, double) override
	{
		docids.push_back(doc.get_docid());
	}
};

/* Runs q against db with o's sort, paging, spies and weighting and fills r
 * (hits, counts, total); nothing of Xapian's is kept after it. */
void run_query(struct xs_db *db, const Xapian::Query &q, const struct xs_query_opts *o,
	       struct xs_result *r)
{
	Xapian::Database &d = db->db();
	std::unique_ptr<match_state> priv(new match_state);
	priv->enq.reset(new Xapian::Enquire(d));
	Xapian::Enquire &enq = *priv->enq;

	enq.set_query(q);
	enq.set_docid_order(Xapian::Enquire::ASCENDING);
	if (o->use_bm25)
		enq.set_weighting_scheme(Xapian::BM25Weight(o->bm25.k1, o->bm25.k2, o->bm25.k3,
							    o->bm25.b, o->bm25.min_normlen));
	if (o->sort != XS_SORT_RELEVANCE && o->n_sort_keys == 1 && !o->sort_keys[0].descending) {
		/* one ascending key: a plain value sort, the same order as the
		 * KeyMaker below, and the only kind remote shards support */
		Xapian::valueno slot = o->sort_keys[0].slot;
		if (o->sort == XS_SORT_KEYS)
			enq.set_sort_by_value(slot, false);
		else if (o->sort == XS_SORT_RELEVANCE_THEN_KEYS)
			enq.set_sort_by_relevance_then_value(slot, false);
		else
			enq.set_sort_by_value_then_relevance(slot, false);
	} else if (o->sort != XS_SORT_RELEVANCE) {
		Xapian::MultiValueKeyMaker *km = new Xapian::MultiValueKeyMaker;
		for (size_t i = 0; i < o->n_sort_keys; i++)
			km->add_value(o->sort_keys[i].slot, o->sort_keys[i].descending != 0);
		km->release(); /* the Enquire owns it from here */
		if (o->sort == XS_SORT_KEYS)
			enq.set_sort_by_key(km, false);
		else if (o->sort == XS_SORT_RELEVANCE_THEN_KEYS)
			enq.set_sort_by_relevance_then_key(km, false);
		else
			enq.set_sort_by_key_then_relevance(km, false);
	}
	std::vector<std::unique_ptr<Xapian::ValueCountMatchSpy>> spies;
	for (size_t i = 0; i < o->n_counts; i++) {
		spies.emplace_back(new Xapian::ValueCountMatchSpy(o->counts[i].slot));
		enq.add_matchspy(spies.back().get());
	}
	DocidSpy ids;
	if (o->collect_docids) {
		enq.add_matchspy(&ids);
		if (!o->limit)
			enq.set_weighting_scheme(Xapian::BoolWeight());
	}
	/* Checking every document makes total and the spies' counts exact. */
	Xapian::doccount check = d.get_doccount();
	if (check < o->offset + o->limit)
		check = static_cast<Xapian::doccount>(o->offset + o->limit);
	if (db->remote && o->n_counts && o->limit) {
		/* Remote shards (Xapian 1.4): spy counts come out too high when
		 * the same get_mset also returns hits (measured: +14 over 1,141
		 * matches for 20 hits from 3 shards), exact without hits. So:
		 * counts and total first, without hits; then the page. */
		Xapian::MSet counted = enq.get_mset(0, 0, check);
		enq.clear_matchspies();
		priv->mset = enq.get_mset(static_cast<Xapian::doccount>(o->offset),
					  static_cast<Xapian::doccount>(o->limit));
		r->total = counted.get_matches_estimated();
	} else {
		CallbackDecider dec(o->decide, o->decide_ud);
		priv->mset = enq.get_mset(static_cast<Xapian::doccount>(o->offset),
					  static_cast<Xapian::doccount>(o->limit), check, nullptr,
					  o->decide ? &dec : nullptr);
		enq.clear_matchspies();
		r->total = priv->mset.get_matches_estimated();
	}

	if (o->collect_docids) {
		r->docids = calloc_n<unsigned>(ids.docids.size());
		std::copy(ids.docids.begin(), ids.docids.end(), r->docids);
		r->n_docids = ids.docids.size();
	}
	const Xapian::MSet &ms = priv->mset;
	r->hits = calloc_n<struct xs_hit>(ms.size());
	for (Xapian::MSetIterator it = ms.begin(); it != ms.end(); ++it) {
		struct xs_hit *h = &r->hits[r->n_hits++];
		Xapian::Document doc = it.get_document();
		h->docid = *it;
		h->weight = it.get_weight();
		h->percent = it.get_percent();
		std::string data = doc.get_data();
		h->data = dup_bytes(data);
		h->data_len = data.size();
		std::string idv = doc.get_value(XS_ID_SLOT);
		if (!idv.empty()) {
			h->id = dup_bytes(idv); /* one fetch: no termlist round trip */
			continue;
		}
		Xapian::TermIterator t = doc.termlist_begin();
		t.skip_to("Q");
		if (t != doc.termlist_end()) {
			std::string term = *t;
			if (!term.empty() && term[0] == 'Q')
				h->id = dup_bytes(term.substr(1));
		}
	}
	r->counts = calloc_n<struct xs_slot_counts>(o->n_counts);
	for (size_t i = 0; i < o->n_counts; i++) {
		struct xs_slot_counts *sc = &r->counts[r->n_counts++];
		Xapian::ValueCountMatchSpy &spy = *spies[i];
		std::map<std::string, unsigned long> agg;
		sc->slot = o->counts[i].slot;
		for (Xapian::TermIterator v = spy.values_begin(); v != spy.values_end(); ++v) {
			if (o->counts[i].multi) {
				for (const std::string &item : value_items(*v))
					agg[item] += v.get_termfreq();
			} else {
				agg[*v] += v.get_termfreq();
			}
		}
		sc->items = calloc_n<struct xs_count>(agg.size());
		for (const auto &kv : agg) {
			struct xs_count *c = &sc->items[sc->n++];
			c->value = dup_bytes(kv.first);
			c->len = kv.first.size();
			c->count = kv.second;
		}
	}
	r->query_desc = dup_bytes(q.get_description());
}

/* Reopens a reader at the newest revision. The reopen itself reads that
 * revision's root blocks, and a writer that commits twice meanwhile frees
 * them (DatabaseModifiedError from reopen(): the soak test met it as a
 * 5xx). Each try starts from the revision then newest and fails on its
 * own: with a writer committing every 3 ms (xs/readers_ride_out_a_busy_
 * writer) about one try in five failed, 2 of 401 retried reopens needed a
 * sixth try; the last error is thrown. */
void reopen_newest(Xapian::Database &d)
{
	for (int attempt = 1;; attempt++) {
		try {
			d.reopen();
			return;
		} catch (const Xapian::DatabaseModifiedError &) {
			if (attempt >= XS_REOPEN_TRIES)
				throw;
		}
	}
}

/* guard() for a read that a writer's commits may overtake: a read-only
 * handle is reopened at the newest revision and fn run again, up to
 * XS_REOPEN_TRIES times in all, before the error (CL_EBUSY) is reported.
 * fn must set its outputs only once it succeeds. The one place reads are
 * retried: xs_search, xs_similar, xs_similar_text, xs_db_get_data,
 * xs_db_get_metadata, xs_doc_count (xs_db_open retries its own open). */
template <typename F> int read_guard(struct xs_db *db, struct cl_errbuf *eb, const char *what, F &&fn)
{
	return guard(eb, what, [&]() -> int {
		for (int attempt = 1;; attempt++) {
			try {
				return fn();
			} catch (const Xapian::DatabaseModifiedError &) {
				if (db->writable || attempt >= XS_REOPEN_TRIES)
					throw;
				reopen_newest(db->rd);
			}
		}
	});
}

Xapian::Query build_main(struct xs_db *db, const struct xs_query_opts *o, const Xapian::Stem &stem,
			 bool or_mode, parse_state &ps)
{
	if (o->n_clauses)
		return build_clauses(db, o, stem, or_mode, ps);
	Xapian::SimpleStopper stopper;
	for (size_t i = 0; o->stopwords && i < o->n_stopwords; i++)
		if (o->stopwords[i])
			stopper.add(fold(o->stopwords[i]));
	return parse_text(db, o, stem, o->n_stopwords ? &stopper : nullptr, or_mode, ps);
}

/* RM3-style feedback weights (Lavrenko & Croft's relevance model,
 * interpolated with the query): each term t of the feedback documents D
 * (restricted by dec; stems only when the documents have stems, so one
 * form per word) gets p(t) = sum over D of w(D) * wdf(t, D) / len(D), with
 * w(D) the document's weight over the best one's; the prf_terms best,
 * normalised to sum 1, are added with weight prf_weight * nq * p(t),
 * nq the number of query clauses (each of which weighs 1): prf_weight 1 is
 * RM3's lambda 0.5. */
Xapian::Query prf_rm3(Xapian::Database &d, const Xapian::Query &q, const Xapian::MSet &top,
		      const Xapian::ExpandDecider &dec, const struct xs_query_opts *o)
{
	std::map<std::string, double> pz, pr;
	double wmax = top.get_max_attained();
	if (!(wmax > 0))
		return q;
	for (Xapian::MSetIterator it = top.begin(); it != top.end(); ++it) {
		double wd = it.get_weight() / wmax;
		double len = d.get_doclength(*it);
		if (!(len > 0))
			continue;
		for (Xapian::TermIterator t = d.termlist_begin(*it); t != d.termlist_end(*it); ++t) {
			const std::string &term = *t;
			if (!dec(term))
				continue;
			(term[0] == 'Z' ? pz : pr)[term] += wd * t.get_wdf() / len;
		}
	}
	std::map<std::string, double> &p = pz.empty() ? pr : pz;
	std::vector<std::pair<double, std::string>> v;
	for (const auto &kv : p)
		v.emplace_back(-kv.second, kv.first);
	size_t n = std::min<size_t>(o->prf_terms, v.size());
	std::partial_sort(v.begin(), v.begin() + static_cast<long>(n), v.end());
	double z = 0;
	for (size_t i = 0; i < n; i++)
		z -= v[i].first;
	if (!(z > 0))
		return q;
	/* the query's clauses: under a minimum to match (OP_AND_NOT, xs.h
	 * min_should) those of its ranked side */
	Xapian::Query ranked = q.get_type() == Xapian::Query::OP_AND_NOT ? q.get_subquery(0) : q;
	double nq = ranked.get_type() == Xapian::Query::OP_OR ? ranked.get_num_subqueries() : 1;
	std::vector<Xapian::Query> terms;
	for (size_t i = 0; i < n; i++)
		terms.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(v[i].second),
				   o->prf_weight * nq * -v[i].first / z);
	return Xapian::Query(Xapian::Query::OP_AND_MAYBE, q,
			     Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end()));
}

/* Pseudo-relevance feedback (xs_query_opts.prf_*): q AND_MAYBE the
 * expansion terms of its best prf_docs matches under o's filters (weighed
 * by prf_rm3); q itself when off, or when nothing matches. */
Xapian::Query prf_expand(struct xs_db *db, const Xapian::Query &q, const struct xs_query_opts *o)
{
	if (!o->prf_docs || !o->prf_terms || !(o->prf_weight > 0) || o->limit == 0 ||
	    o->sort == XS_SORT_KEYS || q.empty())
		return q;
	Xapian::Database &d = db->db();
	Xapian::Enquire enq(d);
	enq.set_query(with_filters(q, o));
	enq.set_docid_order(Xapian::Enquire::ASCENDING);
	if (o->use_bm25)
		enq.set_weighting_scheme(Xapian::BM25Weight(o->bm25.k1, o->bm25.k2, o->bm25.k3,
							    o->bm25.b, o->bm25.min_normlen));
	Xapian::MSet top = enq.get_mset(0, o->prf_docs);
	if (top.empty())
		return q;
	PrefixDecider dec(d, o);
	return prf_rm3(d, q, top, dec, o);
}

/* A new result for q with o's filters (caller owns it). A reader that
 * fell behind a writer's commits is its callers' read_guard's to retry. */
struct xs_result *run_new(struct xs_db *db, const Xapian::Query &q, const struct xs_query_opts *o)
{
	result_holder res(calloc_n<struct xs_result>(1));
	run_query(db, with_filters(prf_expand(db, q, o), o), o, res.r);
	return res.release();
}

/* Runs the query of o (the AND -> OR fallback is engine.c's). */
int search_common(struct xs_db *db, const struct xs_query_opts *o, struct xs_result **out)
{
	Xapian::Stem stem = lang_stemmer(o->lang);
	bool or_mode = !(o->flags & XS_Q_DEFAULT_AND);
	parse_state ps;

	Xapian::Query q = build_main(db, o, stem, or_mode, ps);
	result_holder res(run_new(db, q, o));
	res.r->parsed_as_plain = ps.parsed_as_plain;
	*out = res.release();
	return CL_OK;
}

/* Options for the similar functions: o or defaults, without text. */
struct xs_query_opts similar_opts(const struct xs_query_opts *o)
{
	struct xs_query_opts so;
	if (o)
		so = *o;
	else
		xs_query_opts_init(&so);
	so.text = nullptr;
	so.clauses = nullptr;
	so.n_clauses = 0;
	return so;
}

int need_writable(struct xs_db *db, const char *what, struct cl_errbuf *eb)
{
	if (!db)
		return cl_fail(eb, CL_EINVAL, "%s: no database handle", what);
	if (!db->writable)
		return cl_fail(eb, CL_EINVAL, "%s: database is open read-only", what);
	return CL_OK;
}

/* Adds (sign > 0) or removes the spelling words of doc. */
void spelling_apply(Xapian::WritableDatabase &wr, const Xapian::Document &doc, int sign)
{
	for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
		std::string term = *t;
		Xapian::termcount wdf = t.get_wdf();
		if (!spelling_word(term) || wdf == 0)
			continue;
		if (sign > 0)
			wr.add_spelling(term, wdf);
		else
			wr.remove_spelling(term, wdf);
	}
}

/* Removes the spelling words of the indexed document with term qt. */
void spelling_forget(Xapian::WritableDatabase &wr, const std::string &qt)
{
	Xapian::PostingIterator p = wr.postlist_begin(qt);
	if (p != wr.postlist_end(qt))
		spelling_apply(wr, wr.get_document(*p), -1);
}

std::string trim(const std::string &s)
{
	size_t a = s.find_first_not_of(" \t\r\n");
	if (a == std::string::npos)
		return std::string();
	size_t b = s.find_last_not_of(" \t\r\n");
	return s.substr(a, b - a + 1);
}

} /* namespace */

/* ---- exported --------------------------------------------------------- */

extern "C" {

int xs_db_open(const char *path, int writable, struct xs_db **out, struct cl_errbuf *eb)
{
	if (!path || !*path || !out)
		return cl_fail(eb, CL_EINVAL, "xs_db_open: path and out are required");
	*out = nullptr;
	return guard(eb, "xs_db_open", [&]() -> int {
		std::unique_ptr<xs_db> db(new xs_db);
		if (writable) {
			db->wr = Xapian::WritableDatabase(path, Xapian::DB_CREATE_OR_OPEN);
			db->writable = true;
		} else {
			/* Opening reads the newest revision's root blocks, which a
			 * writer committing twice meanwhile frees, as reopen() does
			 * (CI met it): tried XS_REOPEN_TRIES times, then CL_EBUSY. */
			for (int attempt = 1;; attempt++) {
				try {
					db->rd = Xapian::Database(path);
					break;
				} catch (const Xapian::DatabaseModifiedError &) {
					if (attempt >= XS_REOPEN_TRIES)
						throw;
				}
			}
		}
		*out = db.release();
		return CL_OK;
	});
}

int xs_db_open_stub(const char *path, unsigned timeout_ms, struct xs_db **out,
		    struct cl_errbuf *eb)
{
	if (!path || !*path || !out)
		return cl_fail(eb, CL_EINVAL, "xs_db_open_stub: path and out are required");
	*out = nullptr;
	return guard(eb, "xs_db_open_stub", [&]() -> int {
		std::ifstream in(path);
		if (!in) {
			int err = errno;
			return cl_fail(eb, err == ENOENT ? CL_ENOTFOUND : CL_EIO, "%s: %s", path,
				       std::strerror(err));
		}
		std::string dir(path);
		size_t slash = dir.rfind('/');
		dir = slash == std::string::npos ? std::string(".") : dir.substr(0, slash + 1);

		std::unique_ptr<xs_db> db(new xs_db);
		std::string line;
		unsigned lineno = 0, shards = 0;
		while (std::getline(in, line)) {
			lineno++;
			line = trim(line);
			if (line.empty() || line[0] == '#')
				continue;
			std::vector<std::string> w;
			size_t i = 0;
			while (i < line.size()) {
				size_t j = line.find_first_of(" \t", i);
				if (j == std::string::npos)
					j = line.size();
				if (j > i)
					w.push_back(line.substr(i, j - i));
				i = j + 1;
			}
			if (w[0] == "remote" && (w.size() == 2 || (w.size() == 3 && w[1] == "tcp"))) {
				const std::string &hp = w.back();
				size_t colon = hp.rfind(':');
				std::string host = colon == std::string::npos ? "" : hp.substr(0, colon);
				std::string port = colon == std::string::npos ? "" : hp.substr(colon + 1);
				if (host.size() > 2 && host.front() == '[' && host.back() == ']')
					host = host.substr(1, host.size() - 2);
				char *end = nullptr;
				long p = std::strtol(port.c_str(), &end, 10);
				if (host.empty() || port.empty() || *end || p < 1 || p > 65535)
					return cl_fail(eb, CL_EINVAL,
						       "%s: line %u: expected remote tcp HOST:PORT",
						       path, lineno);
				unsigned t = timeout_ms ? timeout_ms : 10000;
				try {
					db->rd.add_database(Xapian::Remote::open(
						host, static_cast<unsigned>(p), t, t));
				} catch (const Xapian::Error &e) {
					/* name the shard: the caller reports which one is down */
					return cl_fail(eb, xapian_code(e),
						       "shard %u (remote tcp %s, stub line %u) is "
						       "unavailable: %s: %s",
						       shards, hp.c_str(), lineno, e.get_type(),
						       e.get_msg().c_str());
				}
				db->remote = true;
			} else if ((w[0] == "auto" || w[0] == "glass") && w.size() == 2) {
				std::string p = w[1][0] == '/' ? w[1] : dir + w[1];
				db->rd.add_database(Xapian::Database(p));
			} else {
				return cl_fail(eb, CL_EINVAL, "%s: line %u: unknown shard line \"%s\"",
					       path, lineno, line.c_str());
			}
			shards++;
		}
		if (shards == 0)
			return cl_fail(eb, CL_EINVAL, "%s: no shards listed", path);
		*out = db.release();
		return CL_OK;
	});
}

void xs_db_close(struct xs_db *db)
{
	if (!db)
		return;
	try {
		db->db().close();
	} catch (...) {
		/* nothing to report to: see xs.h */
	}
	delete db;
}

int xs_db_reopen(struct xs_db *db, struct cl_errbuf *eb)
{
	if (!db)
		return cl_fail(eb, CL_EINVAL, "xs_db_reopen: no database handle");
	return guard(eb, "xs_db_reopen", [&]() -> int {
		if (!db->writable)
			reopen_newest(db->rd);
		return CL_OK;
	});
}

int xs_doc_count(struct xs_db *db, unsigned long *out, struct cl_errbuf *eb)
{
	if (!db || !out)
		return cl_fail(eb, CL_EINVAL, "xs_doc_count: db and out are required");
	return read_guard(db, eb, "xs_doc_count", [&]() -> int {
		*out = db->db().get_doccount();
		return CL_OK;
	});
}

int xs_db_revision(struct xs_db *db, unsigned long long *rev, struct cl_errbuf *eb)
{
	if (!db || !rev)
		return cl_fail(eb, CL_EINVAL, "xs_db_revision: db and rev are required");
	if (db->remote)
		return cl_fail(eb, CL_EUNSUPPORTED, "xs_db_revision: remote shards");
	return guard(eb, "xs_db_revision", [&]() -> int {
		*rev = db->db().get_revision();
		return CL_OK;
	});
}

int xs_docid_foreach(struct xs_db *db, int (*cb)(void *ud, unsigned docid), void *ud,
		     struct cl_errbuf *eb)
{
	if (!db || !cb)
		return cl_fail(eb, CL_EINVAL, "xs_docid_foreach: db and cb are required");
	if (db->remote)
		return cl_fail(eb, CL_EUNSUPPORTED, "xs_docid_foreach: remote shards");
	return walk_guard(eb, "xs_docid_foreach", [&]() -> int {
		Xapian::Database &d = db->db();
		for (Xapian::PostingIterator p = d.postlist_begin(""); p != d.postlist_end(""); ++p)
			if (int rc = cb(ud, *p))
				return rc;
		return CL_OK;
	});
}

int xs_value_foreach(struct xs_db *db, unsigned slot,
		     int (*cb)(void *ud, unsigned docid, const char *v, size_t len), void *ud,
		     struct cl_errbuf *eb)
{
	if (!db || !cb)
		return cl_fail(eb, CL_EINVAL, "xs_value_foreach: db and cb are required");
	if (db->remote)
		return cl_fail(eb, CL_EUNSUPPORTED, "xs_value_foreach: remote shards");
	return walk_guard(eb, "xs_value_foreach", [&]() -> int {
		Xapian::Database &d = db->db();
		for (Xapian::ValueIterator v = d.valuestream_begin(slot); v != d.valuestream_end(slot);
		     ++v) {
			std::string s = *v;
			if (int rc = cb(ud, v.get_docid(), s.data(), s.size()))
				return rc;
		}
		return CL_OK;
	});
}

int xs_db_commit(struct xs_db *db, struct cl_errbuf *eb)
{
	int rc = need_writable(db, "xs_db_commit", eb);
	if (rc)
		return rc;
	return guard(eb, "xs_db_commit", [&]() -> int {
		db->wr.commit();
		return CL_OK;
	});
}

int xs_db_set_metadata(struct xs_db *db, const char *key, const char *value,
		       struct cl_errbuf *eb)
{
	int rc = need_writable(db, "xs_db_set_metadata", eb);
	if (rc)
		return rc;
	if (!key || !*key || std::strlen(key) > 200)
		return cl_fail(eb, CL_EINVAL, "xs_db_set_metadata: key must be 1..200 bytes");
	return guard(eb, "xs_db_set_metadata", [&]() -> int {
		db->wr.set_metadata(key, value ? value : "");
		return CL_OK;
	});
}

int xs_db_get_metadata(struct xs_db *db, const char *key, char **out, struct cl_errbuf *eb)
{
	if (!db || !key || !*key || !out)
		return cl_fail(eb, CL_EINVAL, "xs_db_get_metadata: db, key and out are required");
	*out = nullptr;
	return read_guard(db, eb, "xs_db_get_metadata", [&]() -> int {
		std::string v = db->db().get_metadata(key);
		if (!v.empty())
			*out = dup_bytes(v);
		return CL_OK;
	});
}

int xs_db_enable_spelling(struct xs_db *db, int on, struct cl_errbuf *eb)
{
	int rc = need_writable(db, "xs_db_enable_spelling", eb);
	if (rc)
		return rc;
	db->spelling = on != 0;
	return CL_OK;
}

int xs_doc_new(const char *lang, struct xs_doc **out, struct cl_errbuf *eb)
{
	if (!out)
		return cl_fail(eb, CL_EINVAL, "xs_doc_new: out is required");
	*out = nullptr;
	return guard(eb, "xs_doc_new", [&]() -> int {
		std::unique_ptr<xs_doc> doc(new xs_doc);
		doc->tg.set_stemmer(lang_stemmer(lang));
		doc->tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
		doc->tg.set_document(doc->doc);
		*out = doc.release();
		return CL_OK;
	});
}

void xs_doc_free(struct xs_doc *doc)
{
	delete doc;
}

int xs_doc_set_id(struct xs_doc *doc, const char *id, struct cl_errbuf *eb)
{
	if (!doc || !valid_id(id))
		return cl_fail(eb, CL_EINVAL, "xs_doc_set_id: need a doc and an id of 1..%d bytes",
			       XS_ID_MAX);
	return guard(eb, "xs_doc_set_id", [&]() -> int {
		if (doc->id == id)
			return CL_OK;
		if (!doc->id.empty())
			doc->doc.remove_term("Q" + doc->id);
		doc->id = id;
		doc->doc.add_boolean_term("Q" + doc->id);
		doc->doc.add_value(XS_ID_SLOT, doc->id); /* hits read it without a termlist */
		return CL_OK;
	});
}

int xs_doc_index_text(struct xs_doc *doc, const char *text, const char *prefix, unsigned weight,
		      struct cl_errbuf *eb)
{
	if (!doc)
		return cl_fail(eb, CL_EINVAL, "xs_doc_index_text: no document");
	if (!valid_text_prefix(prefix))
		return cl_fail(eb, CL_EINVAL,
			       "xs_doc_index_text: prefix \"%s\" must be ASCII capitals, not Q or Z",
			       prefix);
	if (!text)
		return CL_OK;
	return guard(eb, "xs_doc_index_text", [&]() -> int {
		if (doc->any_text)
			doc->tg.increase_termpos(100);
		doc->tg.index_text(text, weight ? weight : 1, prefix ? prefix : "");
		doc->any_text = true;
		return CL_OK;
	});
}

int xs_doc_index_text_without_positions(struct xs_doc *doc, const char *text, const char *prefix,
					unsigned weight, struct cl_errbuf *eb)
{
	if (!doc)
		return cl_fail(eb, CL_EINVAL, "xs_doc_index_text_without_positions: no document");
	if (!valid_text_prefix(prefix))
		return cl_fail(eb, CL_EINVAL,
			       "xs_doc_index_text_without_positions: prefix \"%s\" must be ASCII "
			       "capitals, not Q or Z",
			       prefix);
	if (!text)
		return CL_OK;
	return guard(eb, "xs_doc_index_text_without_positions", [&]() -> int {
		doc->tg.index_text_without_positions(text, weight ? weight : 1,
						     prefix ? prefix : "");
		return CL_OK;
	});
}

int xs_doc_add_boolean(struct xs_doc *doc, const char *term, struct cl_errbuf *eb)
{
	if (!doc || !valid_boolean(term))
		return cl_fail(eb, CL_EINVAL,
			       "xs_doc_add_boolean: term must start with a capital other than Q "
			       "or Z and be at most %d bytes",
			       XS_TERM_MAX);
	return guard(eb, "xs_doc_add_boolean", [&]() -> int {
		doc->doc.add_boolean_term(term);
		return CL_OK;
	});
}

int xs_doc_add_term(struct xs_doc *doc, const char *term, unsigned wdf_inc,
		    struct cl_errbuf *eb)
{
	if (!doc || !term || !is_upper(*term) || *term == 'Q' || std::strlen(term) > XS_TERM_MAX)
		return cl_fail(eb, CL_EINVAL,
			       "xs_doc_add_term: term must start with a capital other than Q and be "
			       "at most %d bytes",
			       XS_TERM_MAX);
	return guard(eb, "xs_doc_add_term", [&]() -> int {
		doc->doc.add_term(term, wdf_inc);
		return CL_OK;
	});
}

int xs_doc_set_value(struct xs_doc *doc, unsigned slot, const char *bytes, size_t len,
		     struct cl_errbuf *eb)
{
	if (!doc || slot == Xapian::BAD_VALUENO || (len && !bytes))
		return cl_fail(eb, CL_EINVAL, "xs_doc_set_value: bad document, slot or bytes");
	return guard(eb, "xs_doc_set_value", [&]() -> int {
		if (len)
			doc->doc.add_value(slot, std::string(bytes, len));
		else
			doc->doc.remove_value(slot);
		return CL_OK;
	});
}

int xs_doc_add_value_item(struct xs_doc *doc, unsigned slot, const char *item, size_t len,
			  struct cl_errbuf *eb)
{
	if (!doc || slot == Xapian::BAD_VALUENO || (len && !item))
		return cl_fail(eb, CL_EINVAL, "xs_doc_add_value_item: bad document, slot or item");
	if (len && std::memchr(item, '\0', len))
		return cl_fail(eb, CL_EINVAL, "xs_doc_add_value_item: item contains a NUL byte");
	if (!len)
		return CL_OK;
	return guard(eb, "xs_doc_add_value_item", [&]() -> int {
		std::string v = doc->doc.get_value(slot);
		if (!v.empty())
			v += '\0';
		v.append(item, len);
		doc->doc.add_value(slot, v);
		return CL_OK;
	});
}

int xs_doc_set_data(struct xs_doc *doc, const char *data, struct cl_errbuf *eb)
{
	if (!doc)
		return cl_fail(eb, CL_EINVAL, "xs_doc_set_data: no document");
	return guard(eb, "xs_doc_set_data", [&]() -> int {
		doc->doc.set_data(data ? data : "");
		return CL_OK;
	});
}

int xs_db_replace(struct xs_db *db, const char *id, struct xs_doc *doc, struct cl_errbuf *eb)
{
	int rc = need_writable(db, "xs_db_replace", eb);
	if (rc)
		return rc;
	if (!doc)
		return cl_fail(eb, CL_EINVAL, "xs_db_replace: no document");
	if (id && (rc = xs_doc_set_id(doc, id, eb)) != CL_OK)
		return rc;
	if (doc->id.empty())
		return cl_fail(eb, CL_EINVAL, "xs_db_replace: the document has no id");
	return guard(eb, "xs_db_replace", [&]() -> int {
		std::string qt = "Q" + doc->id;
		if (db->spelling) {
			spelling_forget(db->wr, qt);
			spelling_apply(db->wr, doc->doc, 1);
		}
		db->wr.replace_document(qt, doc->doc);
		return CL_OK;
	});
}

int xs_db_delete(struct xs_db *db, const char *id, struct cl_errbuf *eb)
{
	int rc = need_writable(db, "xs_db_delete", eb);
	if (rc)
		return rc;
	if (!valid_id(id))
		return cl_fail(eb, CL_EINVAL, "xs_db_delete: bad id");
	return guard(eb, "xs_db_delete", [&]() -> int {
		std::string qt = std::string("Q") + id;
		if (db->spelling)
			spelling_forget(db->wr, qt);
		db->wr.delete_document(qt);
		return CL_OK;
	});
}

int xs_db_create_bulk(const char *path, struct xs_db **out, struct cl_errbuf *eb)
{
	if (!path || !*path || !out)
		return cl_fail(eb, CL_EINVAL, "xs_db_create_bulk: path and out are required");
	*out = nullptr;
	return guard(eb, "xs_db_create_bulk", [&]() -> int {
		std::unique_ptr<xs_db> db(new xs_db);
		db->wr = Xapian::WritableDatabase(path, Xapian::DB_CREATE | Xapian::DB_NO_SYNC);
		db->writable = true;
		*out = db.release();
		return CL_OK;
	});
}

int xs_db_add(struct xs_db *db, struct xs_doc *doc, struct cl_errbuf *eb)
{
	int rc = need_writable(db, "xs_db_add", eb);
	if (rc)
		return rc;
	if (!doc || doc->id.empty())
		return cl_fail(eb, CL_EINVAL, "xs_db_add: no document, or it has no id");
	return guard(eb, "xs_db_add", [&]() -> int {
		if (db->spelling)
			spelling_apply(db->wr, doc->doc, 1);
		db->wr.add_document(doc->doc);
		return CL_OK;
	});
}

int xs_db_spelling_from_terms(struct xs_db *db, unsigned long *nwords, struct cl_errbuf *eb)
{
	int rc = need_writable(db, "xs_db_spelling_from_terms", eb);
	if (rc)
		return rc;
	return guard(eb, "xs_db_spelling_from_terms", [&]() -> int {
		Xapian::WritableDatabase &w = db->wr;
		unsigned long n = 0;
		Xapian::TermIterator t = w.allterms_begin(), end = w.allterms_end();
		while (t != end) {
			std::string term = *t;
			if (is_upper(term[0])) { /* prefixed terms sort between '9' and 'a' */
				t.skip_to("[");
				continue;
			}
			if (spelling_word(term)) {
				Xapian::termcount cf = w.get_collection_freq(term);
				if (cf) {
					w.add_spelling(term, cf);
					n++;
				}
			}
			++t;
		}
		if (nwords)
			*nwords = n;
		return CL_OK;
	});
}

int xs_db_compact(const char *const *src, size_t n, const char *dst, struct cl_errbuf *eb)
{
	if (!src || !n || !dst || !*dst)
		return cl_fail(eb, CL_EINVAL, "xs_db_compact: sources and destination are required");
	return guard(eb, "xs_db_compact", [&]() -> int {
		Xapian::Database all;
		for (size_t i = 0; i < n; i++)
			all.add_database(Xapian::Database(src[i]));
		all.compact(dst, Xapian::Compactor::FULLER | Xapian::DBCOMPACT_MULTIPASS);
		return CL_OK;
	});
}

int xs_db_docid(struct xs_db *db, const char *id, unsigned *docid, struct cl_errbuf *eb)
{
	if (!db || !valid_id(id) || !docid)
		return cl_fail(eb, CL_EINVAL, "xs_db_docid: db, id and docid are required");
	*docid = 0;
	return walk_guard(eb, "xs_db_docid", [&]() -> int {
		Xapian::Database &d = db->db();
		std::string qt = std::string("Q") + id;
		Xapian::PostingIterator p = d.postlist_begin(qt);
		if (p == d.postlist_end(qt))
			return cl_fail(eb, CL_ENOTFOUND, "xs_db_docid: no document \"%s\"", id);
		*docid = *p;
		return CL_OK;
	});
}

int xs_doc_values(struct xs_db *db, unsigned docid, const unsigned *slots, size_t n,
		  int (*cb)(void *ud, size_t i, const char *v, size_t len), void *ud,
		  struct cl_errbuf *eb)
{
	if (!db || (n && !slots) || !cb || docid == 0)
		return cl_fail(eb, CL_EINVAL, "xs_doc_values: db, docid, slots and cb are required");
	return walk_guard(eb, "xs_doc_values", [&]() -> int {
		Xapian::Document doc;
		try {
			doc = db->db().get_document(docid);
			for (size_t i = 0; i < n; i++) {
				std::string v = doc.get_value(slots[i]);
				if (v.empty())
					continue;
				if (int rc = cb(ud, i, v.data(), v.size()))
					return rc;
			}
		} catch (const Xapian::DocNotFoundError &) {
			return cl_fail(eb, CL_ENOTFOUND, "xs_doc_values: no document %u", docid);
		}
		return CL_OK;
	});
}

int xs_db_get_data(struct xs_db *db, const char *id, char **data, size_t *len,
		   struct cl_errbuf *eb)
{
	if (!db || !valid_id(id) || !data)
		return cl_fail(eb, CL_EINVAL, "xs_db_get_data: db, id and data are required");
	*data = nullptr;
	if (len)
		*len = 0;
	return read_guard(db, eb, "xs_db_get_data", [&]() -> int {
		Xapian::Database &d = db->db();
		std::string qt = std::string("Q") + id;
		Xapian::PostingIterator p = d.postlist_begin(qt);
		if (p == d.postlist_end(qt))
			return cl_fail(eb, CL_ENOTFOUND, "xs_db_get_data: no document \"%s\"", id);
		std::string v = d.get_document(*p).get_data();
		*data = dup_bytes(v);
		if (len)
			*len = v.size();
		return CL_OK;
	});
}

int xs_stem(const char *lang, const char *word, char **out, struct cl_errbuf *eb)
{
	if (!lang || !word || !out)
		return cl_fail(eb, CL_EINVAL, "xs_stem: lang, word and out are required");
	*out = nullptr;
	return guard(eb, "xs_stem", [&]() -> int {
		Xapian::Stem stem(lang);
		*out = dup_bytes(stem(word));
		return CL_OK;
	});
}

void xs_query_opts_init(struct xs_query_opts *o)
{
	if (!o)
		return;
	std::memset(o, 0, sizeof *o);
	o->flags = XS_Q_DEFAULTS;
	o->limit = 10;
	o->sort = XS_SORT_RELEVANCE;
	o->bm25.k1 = 1.0;
	o->bm25.k2 = 0.0;
	o->bm25.k3 = 1.0;
	o->bm25.b = 0.5;
	o->bm25.min_normlen = 0.5;
	o->alt_weight = 1.0;
}

int xs_search(struct xs_db *db, const struct xs_query_opts *o, struct xs_result **out,
	      struct cl_errbuf *eb)
{
	if (!db || !o || !out)
		return cl_fail(eb, CL_EINVAL, "xs_search: db, options and out are required");
	*out = nullptr;
	int rc = check_opts(o, eb);
	if (rc)
		return rc;
	return read_guard(db, eb, "xs_search", [&]() -> int {
		return search_common(db, o, out);
	});
}

void xs_result_free(struct xs_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_hits; i++) {
		std::free(r->hits[i].id);
		std::free(r->hits[i].data);
	}
	std::free(r->hits);
	for (size_t i = 0; i < r->n_counts; i++) {
		for (size_t j = 0; j < r->counts[i].n; j++)
			std::free(r->counts[i].items[j].value);
		std::free(r->counts[i].items);
	}
	std::free(r->counts);
	std::free(r->docids);
	std::free(r->query_desc);
	std::free(r);
}

int xs_similar(struct xs_db *db, const char *id, size_t nterms, const struct xs_query_opts *o,
	       struct xs_result **out, struct cl_errbuf *eb)
{
	if (!db || !valid_id(id) || !out)
		return cl_fail(eb, CL_EINVAL, "xs_similar: db, id and out are required");
	*out = nullptr;
	struct xs_query_opts so = similar_opts(o);
	int rc = check_opts(&so, eb);
	if (rc)
		return rc;
	return read_guard(db, eb, "xs_similar", [&]() -> int {
		Xapian::Database &d = db->db();
		std::string qt = std::string("Q") + id;
		Xapian::Query q;
		auto expand = [&] {
			Xapian::PostingIterator p = d.postlist_begin(qt);
			if (p == d.postlist_end(qt))
				return false;
			Xapian::RSet rs;
			rs.add_document(*p);
			Xapian::Enquire enq(d);
			PrefixDecider dec(d, &so);
			Xapian::ESet es = enq.get_eset(static_cast<Xapian::termcount>(nterms ? nterms : 40),
						       rs, &dec);
			std::vector<Xapian::Query> terms;
			for (Xapian::ESetIterator t = es.begin(); t != es.end(); ++t)
				terms.emplace_back(*t);
			q = Xapian::Query(Xapian::Query::OP_AND_NOT,
					  Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end()),
					  Xapian::Query(qt));
			return true;
		};
		if (!expand())
			return cl_fail(eb, CL_ENOTFOUND, "xs_similar: no document \"%s\"", id);
		*out = run_new(db, q, &so);
		return CL_OK;
	});
}

int xs_similar_text(struct xs_db *db, const char *text, size_t nterms,
		    const struct xs_query_opts *o, struct xs_result **out, struct cl_errbuf *eb)
{
	if (!db || !text || !out)
		return cl_fail(eb, CL_EINVAL, "xs_similar_text: db, text and out are required");
	*out = nullptr;
	struct xs_query_opts so = similar_opts(o);
	int rc = check_opts(&so, eb);
	if (rc)
		return rc;
	if (so.text_prefix && !valid_text_prefix(so.text_prefix))
		return cl_fail(eb, CL_EINVAL,
			       "xs_similar_text: text_prefix \"%s\" must be ASCII capitals, not Q or Z",
			       so.text_prefix);
	return read_guard(db, eb, "xs_similar_text", [&]() -> int {
		Xapian::Stem stem = lang_stemmer(so.lang);
		Xapian::SimpleStopper stopper;
		for (size_t i = 0; so.stopwords && i < so.n_stopwords; i++)
			if (so.stopwords[i])
				stopper.add(fold(so.stopwords[i]));
		Xapian::QueryParser qp;
		setup_parser(qp, db, &so, stem, &stopper, true);
		Xapian::Query parsed =
		    qp.parse_query(plain_words(text), 0, so.text_prefix ? so.text_prefix : "");
		std::vector<Xapian::Query> terms;
		for (Xapian::TermIterator t = parsed.get_unique_terms_begin();
		     t != parsed.get_unique_terms_end(); ++t)
			terms.emplace_back(*t);
		Xapian::Query q(Xapian::Query::OP_ELITE_SET, terms.begin(), terms.end(),
				static_cast<Xapian::termcount>(nterms ? nterms : 40));
		*out = run_new(db, q, &so);
		return CL_OK;
	});
}

int xs_db_copy_spelling(struct xs_db *dst, struct xs_db *src, unsigned long *nwords,
			struct cl_errbuf *eb)
{
	int rc = need_writable(dst, "xs_db_copy_spelling", eb);
	if (rc)
		return rc;
	if (!src)
		return cl_fail(eb, CL_EINVAL, "xs_db_copy_spelling: no source database");
	return guard(eb, "xs_db_copy_spelling", [&]() -> int {
		Xapian::WritableDatabase &w = dst->wr;
		Xapian::Database &from = src->db();
		std::vector<std::pair<std::string, Xapian::termcount>> old;
		for (Xapian::TermIterator t = w.spellings_begin(); t != w.spellings_end(); ++t)
			old.emplace_back(*t, t.get_termfreq());
		for (const auto &o : old)
			w.remove_spelling(o.first, o.second);
		unsigned long n = 0;
		for (Xapian::TermIterator t = from.spellings_begin(); t != from.spellings_end(); ++t) {
			w.add_spelling(*t, t.get_termfreq());
			n++;
		}
		if (nwords)
			*nwords = n;
		return CL_OK;
	});
}

int xs_spelling_foreach(struct xs_db *db, int (*cb)(void *ud, const char *word, unsigned long freq),
			void *ud, struct cl_errbuf *eb)
{
	if (!db || !cb)
		return cl_fail(eb, CL_EINVAL, "xs_spelling_foreach: db and cb are required");
	return guard(eb, "xs_spelling_foreach", [&]() -> int {
		if (db->remote)
			return CL_OK; /* no spelling data over the remote protocol */
		Xapian::Database &d = db->db();
		for (Xapian::TermIterator t = d.spellings_begin(); t != d.spellings_end(); ++t) {
			std::string w = *t;
			int rc = cb(ud, w.c_str(), static_cast<unsigned long>(t.get_termfreq()));
			if (rc)
				return rc;
		}
		return CL_OK;
	});
}

} /* extern "C" */
