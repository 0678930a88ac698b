package backoffice

import (
	"regexp"
	"strconv"
	"strings"

	"bianmin"
)

// contentError puts a validation error of a guide, unit or community
// (bianmin's Validate, written in English for logs and tools) in the words
// of the back office: which field of the form, and what is wrong with it.
// An error it does not recognise keeps its text; its code is kept either
// way.
func contentError(err error) error {
	code := bianmin.ErrorCode(err)
	if code != bianmin.EINVALID {
		return err
	}
	m := validationPattern.FindStringSubmatch(err.Error())
	if m == nil {
		return bianmin.Errorf(code, "内容有误：%s", err.Error())
	}
	return bianmin.Errorf(code, "%s%s", fieldLabel(m[1], m[3]), whyText(m[4]))
}

// validationPattern matches `guide "id": field why` and its kin.
var validationPattern = regexp.MustCompile(`^(guide|unit|community) "([^"]*)": (\S+) (.*)$`)

var indexed = regexp.MustCompile(`^([a-z_]+)\[(\d+)\](?:\.(.*))?$`)

var fieldNames = map[string]map[string]string{
	"guide": {"id": "编号", "title": "标题", "category": "类别", "department": "承办部门", "conditions": "办理条件",
		"materials": "所需材料", "steps": "办理流程", "time_limit": "办结时限", "fee": "收费标准", "place": "办理地点",
		"hours": "办公时间", "phone": "咨询电话", "legal_basis": "法律依据", "version": "版本", "updated": "更新日期"},
	"unit": {"id": "编号", "name": "名称", "kind": "类型", "phone": "电话", "address": "地址",
		"responsibilities": "职责清单", "categories": "受理类别"},
	"community": {"id": "编号", "name": "名称", "address": "地址", "grid_workers": "网格员", "buildings": "楼栋"},
}

// rowNames name the rows of a form's tables and their columns.
var rowNames = map[string]struct {
	row     string
	columns map[string]string
}{
	"materials":        {"项材料", map[string]string{"name": "名称", "form": "形式", "count": "份数"}},
	"responsibilities": {"条职责", nil},
	"categories":       {"个受理类别", nil},
	"grid_workers":     {"位网格员", map[string]string{"name": "姓名", "phone": "手机号", "grid": "所属网格"}},
	"buildings": {"栋楼", map[string]string{"id": "编号", "name": "楼名", "units": "单元", "floors": "层数",
		"rooms_per_floor": "每层户数"}},
}

// fieldLabel names a field path such as materials[0].count: "第 1 项材料的份数".
func fieldLabel(kind, path string) string {
	if m := indexed.FindStringSubmatch(path); m != nil {
		n, _ := strconv.Atoi(m[2])
		rn, ok := rowNames[m[1]]
		if !ok {
			return path
		}
		label := "第 " + strconv.Itoa(n+1) + " " + rn.row
		if m[3] == "" {
			return label
		}
		col := m[3]
		if strings.HasPrefix(col, "units[") { // buildings[i].units[j]
			return label + "的单元"
		}
		if c, ok := rn.columns[col]; ok {
			return label + "的" + c
		}
		return label + "的" + col
	}
	if l, ok := fieldNames[kind][path]; ok {
		return l
	}
	return path
}

var (
	whyLonger = regexp.MustCompile(`^is longer than (\d+) characters$`)
	whyRange  = regexp.MustCompile(`^must be (\d+)–(\d+)$`)
	whyList   = regexp.MustCompile(`^must list (\d+)–(\d+) (\w+)$`)
	whyTwice  = regexp.MustCompile(`^"(.*)" is listed twice$`)
	whyUsed   = regexp.MustCompile(`^"(.*)" is used by another building$`)
	whyNotCat = regexp.MustCompile(`^"(.*)" is not a report category`)
)

// whyText says what is wrong, in the back office's words.
func whyText(why string) string {
	switch {
	case why == "is empty":
		return "不能为空"
	case why == "contains control characters or invalid UTF-8":
		return "含有不可见的控制字符，请重新输入"
	case why == "must be YYYY-MM-DD":
		return "须为 年-月-日"
	case strings.HasPrefix(why, "must be 2–63 lowercase letters"):
		return "须为 2–63 个小写字母、数字或连字符（-），例如 dibao-apply"
	case strings.HasPrefix(why, "must be 2–40 lowercase letters"):
		return "须为 2–40 个小写字母、数字或连字符（-），例如 huayuan"
	case strings.HasPrefix(why, "must be 1–40 lowercase letters"):
		return "须为 1–40 个小写字母、数字或连字符（-），例如 3 或 3-east"
	case strings.HasPrefix(why, "must be one of "):
		return "须为以下之一：" + strings.ReplaceAll(strings.TrimPrefix(why, "must be one of "), ", ", "、")
	case strings.HasPrefix(why, "must be a landline"):
		return "须为带区号的座机（如 0451-86321000，可带分机）、5 位服务热线、400 号码或手机号"
	case strings.HasPrefix(why, "must be an 11-digit mobile number"):
		return "须为 11 位手机号"
	}
	if m := whyLonger.FindStringSubmatch(why); m != nil {
		return "不能超过 " + m[1] + " 个字"
	}
	if m := whyRange.FindStringSubmatch(why); m != nil {
		return "须为 " + m[1] + "–" + m[2]
	}
	if m := whyList.FindStringSubmatch(why); m != nil {
		what := map[string]string{"duties": "条职责", "workers": "位网格员", "buildings": "栋楼", "units": "个单元"}[m[3]]
		return "须填写 " + m[1] + "–" + m[2] + " " + what
	}
	if m := whyTwice.FindStringSubmatch(why); m != nil {
		return "“" + m[1] + "”重复了"
	}
	if m := whyUsed.FindStringSubmatch(why); m != nil {
		return "“" + m[1] + "”已被另一栋楼使用"
	}
	if m := whyNotCat.FindStringSubmatch(why); m != nil {
		return "“" + m[1] + "”不是问题类别（" + strings.Join(bianmin.ReportCategories, "、") + "）"
	}
	return "有误：" + why
}
