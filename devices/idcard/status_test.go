package idcard

import (
	"errors"
	"fmt"
	"testing"
)

func TestStatuses(t *testing.T) {
	for _, tc := range []struct {
		sw3  byte
		want error // nil for success
		msg  string
	}{
		{0x90, nil, ""},
		{0x9F, nil, ""},
		{0x91, ErrNoContent, "idcard: no content (SW3 91)"},
		{0x10, ErrHostChecksum, "idcard: checksum error in host data (SW3 10)"},
		{0x11, ErrHostLength, "idcard: length error in host data (SW3 11)"},
		{0x21, ErrCommand, "idcard: command error (SW3 21)"},
		{0x23, ErrNotPermitted, "idcard: operation not permitted (SW3 23)"},
		{0x24, ErrUnrecognised, "idcard: unrecognised error (SW3 24)"},
		{0x31, ErrCardAuth, "idcard: card failed to authenticate the SAM (SW3 31)"},
		{0x32, ErrSAMAuth, "idcard: SAM failed to authenticate the card (SW3 32)"},
		{0x33, ErrVerify, "idcard: information verification error (SW3 33)"},
		{0x40, ErrCardType, "idcard: unrecognised card type (SW3 40)"},
		{0x41, ErrReadFailed, "idcard: read failed (SW3 41)"},
		{0x47, ErrRandom, "idcard: get-random failed (SW3 47)"},
		{0x60, ErrSelfTest, "idcard: SAM self-test failed (SW3 60)"},
		{0x66, ErrNotAuthorised, "idcard: SAM not authorised (SW3 66)"},
		{0x80, ErrNoCard, "idcard: no card (SW3 80)"},
		{0x81, ErrSelectFailed, "idcard: select card failed (SW3 81)"},
		{0x5A, ErrStatus, "idcard: unknown status (SW3 5A)"},
		{0x00, ErrStatus, "idcard: unknown status (SW3 00)"},
	} {
		t.Run(fmt.Sprintf("%02X", tc.sw3), func(t *testing.T) {
			err := Status(tc.sw3).Err()
			if tc.want == nil {
				if err != nil || !Status(tc.sw3).OK() {
					t.Fatalf("success status: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) || !errors.Is(err, ErrStatus) || err.Error() != tc.msg {
				t.Errorf("Err() = %q, want %q (Is %v)", err, tc.msg, tc.want)
			}
			var se *StatusError
			if !errors.As(err, &se) || se.SW3 != tc.sw3 {
				t.Errorf("As StatusError: %+v", se)
			}
			// No other sentinel matches.
			for _, other := range statusErrs {
				if other != tc.want && errors.Is(err, other) {
					t.Errorf("also Is %v", other)
				}
			}
			// Through a reply and an operation, the sentinel is still found.
			op := &OpError{Device: "idcard", Op: "read", Err: Reply{Status: Status(tc.sw3)}.Err()}
			if !errors.Is(op, tc.want) || op.Error() != "idcard: read: "+tc.msg[len("idcard: "):] {
				t.Errorf("OpError %q", op)
			}
		})
	}
	t.Run("SW1 SW2 set", func(t *testing.T) {
		err := Reply{SW1: 0x6A, SW2: 0x82, Status: StatusOK}.Err()
		if err == nil || !errors.Is(err, ErrStatus) || errors.Is(err, ErrReadFailed) ||
			err.Error() != "idcard: reader error (SW1 SW2 SW3 6A 82 90)" {
			t.Errorf("Err() = %v", err)
		}
	})
}

func TestDisconnected(t *testing.T) {
	cause := errors.New("input/output error")
	err := &OpError{Device: "idcard", Op: "read", Err: disconnected(cause)}
	if !errors.Is(err, ErrDisconnected) || !errors.Is(err, cause) ||
		err.Error() != "idcard: read: disconnected: input/output error" {
		t.Errorf("%v", err)
	}
	if disconnected(nil) != ErrDisconnected || disconnected(disconnected(cause)).Error() != "idcard: disconnected: input/output error" {
		t.Error("disconnected does not nest cleanly")
	}
}
