package sandbox_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"bianmin"
	"bianmin/office"
	"bianmin/office/sandbox"
)

var _ office.PaymentGateway = (*sandbox.Gateway)(nil)

// TestScript drives the documented table: Authorize, then queries.
func TestScript(t *testing.T) {
	ctx := context.Background()
	want := map[byte][]string{
		'0': {"success", "success"}, '1': {"success"}, '2': {"success"}, '3': {"success"}, '4': {"success", "success"},
		'5': {"declined", "declined"},
		'6': {"paying", "paying", "success", "success"},
		'7': {"paying", "paying", "declined", "declined"},
		'8': {"paying", "paying", "paying", "paying", "paying", "paying"},
		'9': {"error", "error"},
	}
	for last, answers := range want {
		t.Run(string(last), func(t *testing.T) {
			g := sandbox.New(&sandbox.MemoryLedger{}, nil)
			id := "P20261125-483920-000" + string(last)
			res, err := g.Authorize(ctx, office.GatewayOrder{ID: id, AmountFen: 100, Code: "13456789012345678" + string(last)})
			got := []string{res.Status}
			for range len(answers) - 1 {
				r, qerr := g.Query(ctx, id)
				err = qerr
				got = append(got, r.Status)
				res = r
			}
			if err != nil || strings.Join(got, " ") != strings.Join(answers, " ") || res.Message == "" || !strings.HasSuffix(res.Ref, id) {
				t.Errorf("got %v (last %+v, %v), want %v", got, res, err, answers)
			}
		})
	}
}

func TestIdempotentAndCancel(t *testing.T) {
	ctx := context.Background()
	g := sandbox.New(&sandbox.MemoryLedger{}, nil)
	o := office.GatewayOrder{ID: "P20261125-483920-0001", AmountFen: 100, Code: "134567890123456786"}
	for i := 0; i < 3; i++ {
		if r, err := g.Authorize(ctx, o); err != nil || r.Status != bianmin.PayPaying {
			t.Fatalf("Authorize #%d = %+v, %v", i, r, err)
		}
	}
	// Re-authorising is no query: the 1st and 2nd queries still decide.
	if r, _ := g.Query(ctx, o.ID); r.Status != bianmin.PayPaying {
		t.Errorf("1st query = %+v", r)
	}
	if r, _ := g.Cancel(ctx, o.ID); r.Status != bianmin.PayCancelled {
		t.Errorf("Cancel = %+v", r)
	}
	if r, _ := g.Query(ctx, o.ID); r.Status != bianmin.PayCancelled {
		t.Errorf("query after cancel = %+v (must never become paid)", r)
	}
	if n := g.Authorizations(); n != 1 {
		t.Errorf("%d charges for one order", n)
	}
	if r, _ := g.Query(ctx, "P20261125-483920-0009"); r.Status != bianmin.PayError || r.Message != sandbox.MsgUnknown {
		t.Errorf("query of an unknown order = %+v", r)
	}
	if r, _ := g.Cancel(ctx, "P20261125-483920-0009"); r.Status != bianmin.PayCancelled {
		t.Errorf("cancel of an unknown order = %+v", r)
	}
	paid := office.GatewayOrder{ID: "P20261125-483920-0002", AmountFen: 100, Code: "28765432109876540"}
	g.Authorize(ctx, paid)
	if r, _ := g.Cancel(ctx, paid.ID); r.Status != bianmin.PayCancelled {
		t.Errorf("cancel of a paid order = %+v, want reversed", r)
	}
	declined := office.GatewayOrder{ID: "P20261125-483920-0003", AmountFen: 100, Code: "28765432109876545"}
	g.Authorize(ctx, declined)
	if r, _ := g.Cancel(ctx, declined.ID); r.Status != bianmin.PayDeclined {
		t.Errorf("cancel of a declined order = %+v, want it left declined", r)
	}
}

func ExampleGateway() {
	ctx := context.Background()
	g := sandbox.New(&sandbox.MemoryLedger{}, nil)
	r, _ := g.Authorize(ctx, office.GatewayOrder{ID: "P20261125-483920-0042", AmountFen: 1000, Code: "134567890123456786"})
	fmt.Println(r.Status, r.Message)
	r, _ = g.Query(ctx, "P20261125-483920-0042")
	fmt.Println(r.Status)
	r, _ = g.Query(ctx, "P20261125-483920-0042")
	fmt.Println(r.Status, r.Message)
	// Output:
	// paying 请在手机上确认支付
	// paying
	// success 支付成功
}

// TestExpiredCode: digits 3–4 "99" mean the code expired, whatever its last
// digit: declined at once with the provider's message, and queries agree.
func TestExpiredCode(t *testing.T) {
	ctx := context.Background()
	g := sandbox.New(&sandbox.MemoryLedger{}, nil)
	for _, code := range []string{"139912345678901230", "139912345678901236", "2899876543210987"} {
		id := "P20261125-483920-0" + code[len(code)-3:]
		res, err := g.Authorize(ctx, office.GatewayOrder{ID: id, AmountFen: 100, Code: code})
		if err != nil || res.Status != bianmin.PayDeclined || res.Message != sandbox.MsgExpired {
			t.Errorf("%s: %+v, %v; want declined %q", code, res, err, sandbox.MsgExpired)
		}
		if q, err := g.Query(ctx, id); err != nil || q.Status != bianmin.PayDeclined || q.Message != sandbox.MsgExpired {
			t.Errorf("%s query: %+v, %v", code, q, err)
		}
	}
}
