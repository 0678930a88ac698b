package cash

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"bianmin/devices/cctalk"
	"bianmin/devices/serialport"
)

// Config says where the acceptor is, what it takes and how to treat it.
type Config struct {
	Port string
	Baud int // default 9600, the ccTalk rate
	// Echo is set when the bus echoes the host's bytes, as a real single-wire
	// ccTalk bus does; most RS-232 adapters do not. A wrong setting still
	// works (an unexpected echo is skipped as noise, a missing one is noticed)
	// but shows in Status.EchoErrors.
	Echo bool
	// CRC selects CRC-16 frames instead of simple checksums; the devices must
	// be set alike.
	CRC  bool
	Bill Unit
	// Coin is the coin acceptor, nil when none is fitted.
	Coin *Unit
	// Poll is how often the devices are polled while enabled: 100–200 ms,
	// default 150 ms. While disabled they are polled every second, so that a
	// bill on its way when acceptance stopped is still routed and credited.
	Poll time.Duration
	// Timeout is how long a reply may take. Default 250 ms.
	Timeout time.Duration
	// EscrowPolicy decides what happens to a bill in escrow, given its amount
	// in 分; nil stacks every bill. It runs on the driver's goroutine and must
	// answer well within the validator's escrow timeout (seconds).
	EscrowPolicy func(amount int) Route
	// Sink receives credits and events. Required.
	Sink Sink
	// Now is the clock of the reconnect backoff, the credit retry and the
	// times of credits and events; nil means time.Now.
	Now func() time.Time
}

// Unit is one device on the bus.
type Unit struct {
	// Addr is its bus address; 0 means the usual one (40 for the bill
	// validator, 2 for the coin acceptor).
	Addr int
	// Denominations maps the device's bill or coin types (1…16) to amounts in
	// 分; nil means DefaultBills or DefaultCoins. Bill amounts are checked
	// against the validator's bill ids (157) when the driver connects.
	Denominations map[int]int
	// Resume is the newest event Counter the caller has durably recorded for
	// this device (from a Credit, or any Event it records), 0 for none. Events
	// logged after it and still in the device's buffer are delivered at start;
	// with 0, what is in the buffer at start is taken as already seen.
	Resume int
}

// DefaultBills are the bill types of the protocol notes' example: type 1 = 1 元
// … type 6 = 100 元.
var DefaultBills = map[int]int{1: 100, 2: 500, 3: 1000, 4: 2000, 5: 5000, 6: 10000}

// DefaultCoins are 1 角, 5 角 and 1 元 as coin types 1, 2 and 3.
var DefaultCoins = map[int]int{1: 10, 2: 50, 3: 100}

const (
	defaultBaud    = 9600
	defaultPoll    = 150 * time.Millisecond
	minPoll        = 100 * time.Millisecond
	maxPoll        = 200 * time.Millisecond
	idlePoll       = time.Second
	defaultTimeout = 250 * time.Millisecond
	firstBackoff   = 250 * time.Millisecond
	maxBackoff     = 10 * time.Second
	retries        = 2  // more tries of a request that can safely be repeated
	busyRetries    = 10 // tries while a device answers BUSY
	busyPause      = 20 * time.Millisecond
	maxDrain       = 4096            // stale bytes discarded before a request
	maxTypes       = 16              // the inhibit mask has two bytes
	recheck        = 2 * time.Second // self-check interval while a fault lasts
)

func (c Config) withDefaults() Config {
	if c.Baud == 0 {
		c.Baud = defaultBaud
	}
	if c.Poll == 0 {
		c.Poll = defaultPoll
	}
	if c.Timeout <= 0 {
		c.Timeout = defaultTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Bill.Addr == 0 {
		c.Bill.Addr = int(cctalk.AddrBill)
	}
	if c.Bill.Denominations == nil {
		c.Bill.Denominations = DefaultBills
	}
	if c.Coin != nil {
		coin := *c.Coin
		if coin.Addr == 0 {
			coin.Addr = int(cctalk.AddrCoin)
		}
		if coin.Denominations == nil {
			coin.Denominations = DefaultCoins
		}
		c.Coin = &coin
	}
	return c
}

func (c Config) port() serialport.Config { return serialport.Config{Name: c.Port, Baud: c.Baud} }

// Validate reports the first thing wrong with c (after defaults), as an error
// that Is ErrConfig or serialport.ErrConfig.
func (c Config) Validate() error {
	c = c.withDefaults()
	if err := c.port().Validate(); err != nil {
		return err
	}
	if c.Poll < minPoll || c.Poll > maxPoll {
		return fmt.Errorf("%w: poll interval %v is not within 100–200 ms", ErrConfig, c.Poll)
	}
	if c.Sink == nil {
		return fmt.Errorf("%w: no Sink for credits", ErrConfig)
	}
	units := []Unit{c.Bill}
	if c.Coin != nil {
		units = append(units, *c.Coin)
		if c.Coin.Addr == c.Bill.Addr {
			return fmt.Errorf("%w: bill validator and coin acceptor both at address %d", ErrConfig, c.Bill.Addr)
		}
	}
	for i, u := range units {
		name := []string{"bill", "coin"}[i]
		if u.Addr < 2 || u.Addr > 255 {
			return fmt.Errorf("%w: %s address %d (1 is the host, 0 broadcast)", ErrConfig, name, u.Addr)
		}
		if len(u.Denominations) == 0 {
			return fmt.Errorf("%w: no %s denominations", ErrConfig, name)
		}
		for _, t := range slices.Sorted(maps.Keys(u.Denominations)) {
			if t < 1 || t > maxTypes {
				return fmt.Errorf("%w: %s type %d is not within 1…%d", ErrConfig, name, t, maxTypes)
			}
			if u.Denominations[t] <= 0 {
				return fmt.Errorf("%w: %s type %d has amount %d 分", ErrConfig, name, t, u.Denominations[t])
			}
		}
		if u.Resume < 0 || u.Resume > 255 {
			return fmt.Errorf("%w: %s resume counter %d is not within 0…255", ErrConfig, name, u.Resume)
		}
	}
	return nil
}
