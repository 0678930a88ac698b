package bianmin

import "fmt"

// FormatYuan writes an amount of 分 as 元 with two decimals ("12.50"), the
// only way amounts are shown to residents and printed: money is integer 分
// everywhere and never passes through a float.
func FormatYuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}
