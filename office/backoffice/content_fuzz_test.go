package backoffice

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"bianmin"
	"bianmin/office"
)

// FuzzContentForms feeds arbitrary form bodies to the content editors'
// readers: whatever a forged form posts, reading it never panics, what
// validates is what publishing would store, and every refusal stays an
// EINVALID with a message in the page's words.
func FuzzContentForms(f *testing.F) {
	for _, seed := range []string{
		"id=dibao&title=低保&category=社会救助&mat_name=身份证&mat_form=原件&mat_count=1&mat_note=",
		"id=water&name=供水&kind=公用事业单位&phone=0451-86321000&address=x&responsibilities=a%0Ab&categories=供水&categories=x",
		"id=huayuan&name=花园&address=x&w_name=王&w_phone=13800000000&w_grid=一&b_id=1&b_name=1号楼&b_units=1单元、2单元&b_floors=6&b_rooms=2",
		"b_id=&b_name=&b_units=&b_floors=99999999999999999999&mat_count=-1&w_phone=%00",
		"mat_name=a&mat_name=b&mat_form=原件",
	} {
		f.Add(seed)
	}
	h := &Handler{now: func() time.Time { return time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC) }, loc: office.ChinaTime}
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		g, _ := h.guideFromForm(form)
		u, _ := unitFromForm(form)
		c, _ := communityFromForm(form)
		for _, err := range []error{g.Validate(), u.Validate(), c.Validate()} {
			if err == nil {
				continue
			}
			ce := contentError(err)
			if bianmin.ErrorCode(ce) != bianmin.EINVALID || ce.Error() == "" {
				t.Fatalf("%v became %v", err, ce)
			}
		}
		for _, l := range g.Conditions {
			if l == "" || l != strings.TrimSpace(l) {
				t.Fatalf("condition line %q kept its blanks", l)
			}
		}
		if len(g.Materials) > 1000 || len(c.Buildings) > 1000 || len(c.GridWorkers) > 1000 {
			t.Fatal("a forged form made more rows than a form has")
		}
	})
}
