package idcard

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"bianmin"
)

// CardType is the kind of card, as the JSON "type" key spells it.
type CardType string

// The four card types a GA 467 reader reads.
const (
	Resident    CardType = "resident"    // 居民身份证
	HKMOTW      CardType = "hkmo_tw"     // 港澳台居民居住证, type character J
	Foreign     CardType = "foreign"     // 外国人永久居留身份证 (2017), I
	Foreign2023 CardType = "foreign2023" // 外国人永久居留身份证 (2023), Y
)

// Card is what a card says, in the card JSON form of SPEC §3: dates as
// YYYY-MM-DD (valid_to may be 长期), gender and nation as words. The first ten
// keys are always there, empty where the card type has no such field; the rest
// only on the types that have them. Text fields are kept as the card spells
// them (issue_count "01").
//
// A Card prints masked through fmt and log/slog; only its JSON is complete.
// The photo is not part of it: the kiosk has no use for it and must not keep it.
type Card struct {
	Type      CardType `json:"type"`
	Name      string   `json:"name"` // the Chinese name; the English name when there is none
	Gender    string   `json:"gender"`
	Nation    string   `json:"nation"` // without 族: 汉, 蒙古; resident cards only
	Birth     string   `json:"birth"`
	ValidFrom string   `json:"valid_from"`
	ValidTo   string   `json:"valid_to"`
	Address   string   `json:"address"`
	IDNumber  string   `json:"id_number"` // the 18-character number, or the 15-character permit number
	Authority string   `json:"authority"` // the issuing authority; its code on a 2017 foreign card

	// AdditionalAddress is the later address the police wrote to the card
	// (read 30 03), empty when there is none.
	AdditionalAddress string `json:"additional_address,omitempty"`
	EnglishName       string `json:"english_name,omitempty"`  // foreign cards
	Nationality       string `json:"nationality,omitempty"`   // foreign cards: 3-letter country code
	PassNumber        string `json:"pass_number,omitempty"`   // hkmo_tw: the travel permit number
	IssueCount        string `json:"issue_count,omitempty"`   // hkmo_tw
	CardVersion       string `json:"card_version,omitempty"`  // foreign (2017)
	RenewalCount      string `json:"renewal_count,omitempty"` // foreign2023
}

// String is a masked summary for logs and messages: "resident card 王* 2301**********1234".
func (c Card) String() string {
	t := string(c.Type)
	if t == "" {
		t = string(Resident)
	}
	parts := []string{t, "card"}
	if c.Name != "" {
		parts = append(parts, bianmin.MaskName(c.Name))
	}
	if c.IDNumber != "" {
		parts = append(parts, bianmin.MaskIDNumber(c.IDNumber))
	}
	return strings.Join(parts, " ")
}

// Format prints String for every verb, %#v and %+v included, so that no
// format of a Card shows its fields whole.
func (c Card) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprint(f, strconv.Quote(c.String()))
		return
	}
	fmt.Fprint(f, c.String())
}

// LogValue logs the type and the masked name and number only.
func (c Card) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("type", string(c.Type)),
		slog.String("name", bianmin.MaskName(c.Name)),
		slog.String("id_number", bianmin.MaskIDNumber(c.IDNumber)),
	)
}

var _ slog.LogValuer = Card{}

// genders maps the gender code of the text record to its JSON word.
var genders = map[string]string{"1": "男", "2": "女", "0": "未知", "9": "未说明"}

// NationName returns the name (without 族) of a GB 3304 nation code, e.g.
// "11" → "满"; ok is false for codes outside 01–56, 97, 98.
func NationName(code string) (name string, ok bool) {
	name, ok = nations[code]
	return name, ok
}

// nations are the nation names of GB 3304 by code, without 族: 01 汉 … 56 基诺,
// 97 其他, 98 外国血统.
var nations = map[string]string{
	"01": "汉", "02": "蒙古", "03": "回", "04": "藏", "05": "维吾尔", "06": "苗", "07": "彝", "08": "壮",
	"09": "布依", "10": "朝鲜", "11": "满", "12": "侗", "13": "瑶", "14": "白", "15": "土家", "16": "哈尼",
	"17": "哈萨克", "18": "傣", "19": "黎", "20": "傈僳", "21": "佤", "22": "畲", "23": "高山", "24": "拉祜",
	"25": "水", "26": "东乡", "27": "纳西", "28": "景颇", "29": "柯尔克孜", "30": "土", "31": "达斡尔",
	"32": "仫佬", "33": "羌", "34": "布朗", "35": "撒拉", "36": "毛南", "37": "仡佬", "38": "锡伯",
	"39": "阿昌", "40": "普米", "41": "塔吉克", "42": "怒", "43": "乌孜别克", "44": "俄罗斯", "45": "鄂温克",
	"46": "德昂", "47": "保安", "48": "裕固", "49": "京", "50": "塔塔尔", "51": "独龙", "52": "鄂伦春",
	"53": "赫哲", "54": "门巴", "55": "珞巴", "56": "基诺", "97": "其他", "98": "外国血统",
}

// nationCode returns the code of a nation given by name (汉 or 汉族) or code.
func nationCode(s string) (string, bool) {
	if _, ok := nations[s]; ok {
		return s, true
	}
	name := strings.TrimSuffix(s, "族")
	for code, n := range nations {
		if n == name {
			return code, true
		}
	}
	return "", false
}
