#!/bin/sh
# CGI entry point for HTTPS report submission (RFC 8460 §5.4): the web
# server runs this file for POST https://tlsrpt.example.com/v1/tlsrpt and
# tlsrpt-lda answers as a CGI program.  Install it where the snippets in
# this directory expect it:
#
#     install -d -m 0755 /usr/local/lib/tlsrpt
#     install -m 0755 tlsrpt.cgi /usr/local/lib/tlsrpt/tlsrpt.cgi
#     install -d -o www-data -g www-data -m 0750 /var/spool/tlsrpt-http
#
# The spool must be writable by the user the web server runs CGI programs
# as (www-data on Debian).  It is a spool of its own: tlsrpt-lda creates
# files 0640 and directories 0750, so the MTA's user and www-data cannot
# share one.  Readers (the summary, log shippers) read both.
#
# Why a wrapper: the options are fixed here (--cgi among them: nothing
# else, not the environment, makes tlsrpt-lda answer HTTP), and "$@" is
# deliberately not passed on.  Some servers (Apache) turn a query string without '=' into
# command-line arguments (RFC 3875 §4.4); the client must never choose
# our options.  (tlsrpt-lda also refuses such a query string itself.)
#
# Add --trust-authserv-id/--require-dkim only for mail; an HTTPS report
# carries no DKIM signature, and its records have "dkim":null and the
# client's address in "client_ip".
exec /usr/local/bin/tlsrpt-lda --cgi --spool /var/spool/tlsrpt-http
