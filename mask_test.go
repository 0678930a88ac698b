package bianmin

import "testing"

func TestMaskIDNumber(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"18 digits", "230103198503121234", "2301**********1234"},
		{"final X", "11010519491231002X", "1101**********002X"},
		{"blanks around", " 360426199101010071 ", "3604**********0071"},
		{"15-character permit", "USA123456789012", "US***********12"},
		{"9-character pass", "H12345678", "H1*****78"},
		{"5 characters", "12345", "12*45"},
		{"4 characters", "1234", "****"},
		{"1 character", "1", "*"},
		{"empty", "", ""},
		{"multi-byte", "二三〇一〇三一九八五〇三一二一二三四", "二三〇一**********一二三四"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := MaskIDNumber(tc.in); got != tc.want {
				t.Errorf("MaskIDNumber(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestMaskName(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"two characters", "王五", "王*"},
		{"three characters", "张小明", "张**"},
		{"compound surname", "欧阳娜娜", "欧阳**"},
		{"compound surname, one given", "司马光", "司马*"},
		{"two characters that form a compound surname", "欧阳", "欧*"},
		{"not compound", "欧小阳", "欧**"},
		{"one character", "王", "*"},
		{"Latin", "John Smith", "J*"},
		{"Latin one letter", "J", "J*"},
		{"Latin accent", "Émile Zola", "É*"},
		{"Uyghur name with dot", "买买提·艾力", "买*****"},
		{"blanks", " 王五 ", "王*"},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := MaskName(tc.in); got != tc.want {
				t.Errorf("MaskName(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestMaskPhone(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"mobile", "13812345678", "138****5678"},
		{"landline", "045186661234", "04********34"},
		{"short", "12345", "12*45"},
		{"too short", "110", "***"},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := MaskPhone(tc.in); got != tc.want {
				t.Errorf("MaskPhone(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
