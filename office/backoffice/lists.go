package backoffice

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"bianmin"
)

// What the list pages (tickets, applications, the ledger, cash checks,
// incomplete payments) share: the page asked for, the pager under the
// list, a service number typed into the search box, and a filter the
// store refuses.

// pageNumber reads ?page=, 1 and up.
func pageNumber(q url.Values) int {
	p, _ := strconv.Atoi(q.Get("page"))
	return min(max(p, 1), 100000)
}

// pager is the paging of a list page.
type pager struct {
	Page, Pages      int
	PrevURL, NextURL string
	Total            int
}

// newPager pages total rows by size; its links keep the non-empty
// filters of q.
func newPager(path string, q url.Values, page, total, size int) pager {
	p := pager{Page: page, Pages: max((total+size-1)/size, 1), Total: total}
	link := func(n int) string {
		v := url.Values{}
		for k, vs := range q {
			if k != "page" && len(vs) > 0 && vs[0] != "" {
				v.Set(k, vs[0])
			}
		}
		v.Set("page", strconv.Itoa(n))
		return path + "?" + v.Encode()
	}
	if page > 1 {
		p.PrevURL = link(page - 1)
	}
	if page < p.Pages {
		p.NextURL = link(page + 1)
	}
	return p
}

// probedPage cuts list, asked of the store with one row more than a page
// (Limit size+1), to the page, and pages it: the extra row tells whether
// there is a next page without counting every row.
func probedPage[T any](list []T, path string, q url.Values, page, size int) ([]T, pager) {
	total := (page-1)*size + len(list)
	if len(list) > size {
		list = list[:size]
	}
	return list, newPager(path, q, page, total, size)
}

// openNumber redirects to the page of a service number of kind typed into
// a list's search box (?q=), under path; it reports whether it did.
func openNumber(w http.ResponseWriter, r *http.Request, kind, path string) bool {
	n := strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("q")))
	if n == "" {
		return false
	}
	if k, ok := bianmin.ServiceNumberKind(n); !ok || k != kind {
		return false
	}
	http.Redirect(w, r, path+n, http.StatusSeeOther)
	return true
}

// listFailed answers a list the store did not give: a filter it refused
// is the user's to fix (400, with the store's reason), anything else an
// internal error.
func (h *Handler) listFailed(w http.ResponseWriter, r *http.Request, me *Staff, err error) {
	if bianmin.ErrorCode(err) == bianmin.EINVALID {
		h.message(w, r, me, http.StatusBadRequest, "筛选条件无效", err.Error())
		return
	}
	h.internalError(w, r, me, err)
}

// actionOf is the action name, in a form's URL, of a target state: the key
// of state in actions.
func actionOf(actions map[string]string, state string) string {
	for a, s := range actions {
		if s == state {
			return a
		}
	}
	return ""
}
