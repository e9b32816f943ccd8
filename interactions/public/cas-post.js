// CAS method=POST: hand the ticket to the application without waiting for a click.
document.getElementById('cas-post')?.submit();
