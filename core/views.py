from django.shortcuts import render

from structure.selectors import model_tree


def home(request):
    return render(request, "core/home.html", {"tree": model_tree()})
