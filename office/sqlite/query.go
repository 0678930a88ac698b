package sqlite

import "strings"

// whereClause joins a query's conditions into its WHERE clause, or "" when
// there are none.
func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// page appends LIMIT and OFFSET; SQLite needs a LIMIT for an OFFSET.
func page(query string, args []any, limit, offset int) (string, []any) {
	if limit <= 0 && offset <= 0 {
		return query, args
	}
	if limit <= 0 {
		limit = -1
	}
	return query + " LIMIT ? OFFSET ?", append(args, limit, offset)
}
