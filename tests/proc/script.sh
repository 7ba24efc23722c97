#!/bin/busybox echo
