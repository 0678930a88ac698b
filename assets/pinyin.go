package assets

import _ "embed"

// PinyinFile is the pinyin candidate table of the kiosk's on-screen name
// keyboard, generated from Debian's rime-data-pinyin-simp (Apache-2.0, see
// pinyin/LICENSE). Regenerate it with
//
//	go test ./assets -run TestPinyinTable -update-pinyin
//
// (needs /usr/share/rime-data/pinyin_simp.dict.yaml, which scripts/setup.sh
// installs).
const PinyinFile = "pinyin/chars.txt"

//go:embed pinyin/chars.txt
var pinyinTable []byte

// PinyinTable returns the bundled table: comment lines starting with #, then
// one line per syllable (ü written v), the syllable, a tab and its characters
// by descending frequency.
func PinyinTable() []byte { return pinyinTable }
