"""``{% follow_button obj %}``: follow or stop following a body, county or topic (logged in).

Renders nothing for anonymous visitors, so the pages stay cacheable for them; one query for a
logged-in visitor.
"""

from django import template
from django.urls import reverse

from cases.models import Follow

register = template.Library()

ROUTES = {"body": "cases_edit:follow_body", "county": "cases_edit:follow_county",
          "topic": "cases_edit:follow_topic"}


@register.inclusion_tag("cases/includes/follow_button.html", takes_context=True)
def follow_button(context, target):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    field = target._meta.model_name
    return {"show": True, "csrf_token": context.get("csrf_token"), "name": str(target),
            "action": reverse(ROUTES[field], args=[target.pk]), "next": request.get_full_path(),
            "following": Follow.objects.filter(user=user, **{field: target}).exists()}
