package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets testscript run "herald" as this test binary, which then
// runs main (and so run) with the script's arguments and environment.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"herald": main,
	})
}

// testNow is the HERALD_NOW of every script, unless a script sets its own.
const testNow = "2026-11-21T15:04:05Z"

// TestScripts runs the end-to-end scenarios in testdata/script. UPDATE=1
// rewrites the expected output in the scripts from what herald printed.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: os.Getenv("UPDATE") != "",
		Setup: func(env *testscript.Env) error {
			env.Setenv("HERALD_NOW", testNow)
			return nil
		},
	})
}
