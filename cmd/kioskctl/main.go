// Command kioskctl is the technicians' tool; see kiosk/ctl for the commands.
package main

import (
	"os"

	"bianmin/kiosk/ctl"
)

func main() { os.Exit(ctl.Main(os.Args[1:], os.Stdout, os.Stderr)) }
