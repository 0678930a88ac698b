package ui

import "testing"

func TestGroup(t *testing.T) {
	for _, tc := range []struct {
		in   string
		at   []int
		want string
	}{
		{"", []int{3, 7}, "_"},
		{"139", []int{3, 7}, "139"},
		{"1391", []int{3, 7}, "139 1"},
		{"13912345678", []int{3, 7}, "139 1234 5678"},
		{"23010319850312123X", []int{6, 14}, "230103 19850312 123X"},
	} {
		if got := group(tc.in, tc.at...); got != tc.want {
			t.Errorf("group(%q, %v) = %q, want %q", tc.in, tc.at, got, tc.want)
		}
	}
}
