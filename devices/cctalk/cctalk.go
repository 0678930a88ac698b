// Package cctalk encodes and decodes ccTalk, the serial protocol of the kiosk's
// bill validator and coin acceptor (shared/protocols/cctalk.md). It is pure:
// bytes in, frames and events out, no I/O and no clock. The driver that talks
// to the devices is devices/cash.
//
// A frame is [destination] [data length] [source] [header] [data …] [checksum]
// with all bytes summing to 0 mod 256, or, in CRC mode,
// [destination] [data length] [CRC low] [header] [data …] [CRC high] with a
// CRC-16/XMODEM over destination, length, header and data. Replies are
// addressed to the host with header 0 (ACK) and carry the answer as data.
package cctalk

import "fmt"

// Bus addresses of the kiosk's devices.
const (
	AddrHost      byte = 1
	AddrCoin      byte = 2
	AddrBill      byte = 40
	AddrBroadcast byte = 0 // every device; none of them answers
)

// MaxFrame is the longest block on the bus: 5 bytes of framing and 254 of data.
const MaxFrame = 259

// MaxData is the most data one frame carries.
const MaxData = MaxFrame - 5

// Header is the command (or, in a reply, ACK / NAK / BUSY) of a frame.
type Header byte

// Headers the kiosk uses. A reply has HeaderACK and its answer as data.
const (
	HeaderACK                  Header = 0
	HeaderReset                Header = 1
	HeaderNAK                  Header = 5
	HeaderBusy                 Header = 6
	HeaderRouteBill            Header = 154
	HeaderBillID               Header = 157
	HeaderReadBillEvents       Header = 159
	HeaderRequestMasterInhibit Header = 227
	HeaderModifyMasterInhibit  Header = 228
	HeaderReadCoinBuffer       Header = 229
	HeaderRequestInhibit       Header = 230
	HeaderModifyInhibit        Header = 231
	HeaderSelfCheck            Header = 232
	HeaderSerialNumber         Header = 242
	HeaderProductCode          Header = 244
	HeaderEquipmentCategory    Header = 245
	HeaderManufacturerID       Header = 246
	HeaderSimplePoll           Header = 254
)

var headerNames = map[Header]string{
	HeaderACK:                  "ACK",
	HeaderReset:                "reset device",
	HeaderNAK:                  "NAK",
	HeaderBusy:                 "BUSY",
	HeaderRouteBill:            "route bill",
	HeaderBillID:               "request bill id",
	HeaderReadBillEvents:       "read buffered bill events",
	HeaderRequestMasterInhibit: "request master inhibit",
	HeaderModifyMasterInhibit:  "modify master inhibit",
	HeaderReadCoinBuffer:       "read buffered credit or error codes",
	HeaderRequestInhibit:       "request inhibit status",
	HeaderModifyInhibit:        "modify inhibit status",
	HeaderSelfCheck:            "perform self-check",
	HeaderSerialNumber:         "request serial number",
	HeaderProductCode:          "request product code",
	HeaderEquipmentCategory:    "request equipment category",
	HeaderManufacturerID:       "request manufacturer id",
	HeaderSimplePoll:           "simple poll",
}

// String is the command's name in the protocol notes, or "header N".
func (h Header) String() string {
	if s, ok := headerNames[h]; ok {
		return s
	}
	return fmt.Sprintf("header %d", byte(h))
}

// Data of route bill (154).
const (
	RouteReturn byte = 0
	RouteStack  byte = 1
	RouteExtend byte = 255 // keep the bill in escrow longer
)

// Replies to route bill other than a bare ACK.
const (
	RouteEscrowEmpty byte = 254
	RouteFailed      byte = 255
)

// Equipment categories (245) of the devices the kiosk drives.
const (
	CategoryCoin = "Coin Acceptor"
	CategoryBill = "Bill Validator"
)

// Mode is how frames are checked.
type Mode int

const (
	// Checksum is the simple checksum: all bytes sum to 0 mod 256. The default.
	Checksum Mode = iota
	// CRC16 is CRC-16/XMODEM; the source address is not sent.
	CRC16
)

func (m Mode) String() string {
	switch m {
	case Checksum:
		return "checksum"
	case CRC16:
		return "crc16"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}
