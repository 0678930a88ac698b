package bianmin

import "testing"

func TestFormatYuan(t *testing.T) {
	for _, tc := range []struct {
		fen  int64
		want string
	}{{0, "0.00"}, {5, "0.05"}, {1000, "10.00"}, {123456, "1234.56"}, {-250, "-2.50"}, {MaxBillFen, "100000.00"}} {
		if got := FormatYuan(tc.fen); got != tc.want {
			t.Errorf("FormatYuan(%d) = %q, want %q", tc.fen, got, tc.want)
		}
	}
}

func TestMaskAccount(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"long", "1200345678", "12****5678"},
		{"heating", "HT-2026-000123", "HT********0123"},
		{"medium", "A12345", "**2345"},
		{"short", "1234", "**34"},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := MaskAccount(tc.in); got != tc.want {
				t.Errorf("MaskAccount(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
